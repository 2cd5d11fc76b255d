/**
 * Secrets out of the stderr tail `schedmon run` reports: a failing job's last lines often
 * hold a connection string, a token or a header, and the tail is stored, shown in Slack and
 * on every operator's terminal. Redaction is best effort over common shapes; it is no
 * reason to print secrets.
 *
 * Every pattern runs in linear time on any input (docs/security.md): each one starts only where its first character class begins a run (a
 * negative lookbehind), its repeats are bounded or have one way to match, and none nests
 * quantifiers. `redact-secrets.test.ts` runs each on 100 KB of pathological input.
 */

/** What a secret is replaced with. */
const REDACTED = '[REDACTED]';

/** One secret shape: a global regex and what its match becomes. */
type SecretPattern = {
  name: string;
  pattern: RegExp;
  replace: (match: string, ...groups: (string | undefined)[]) => string;
};

const redacted = () => REDACTED;
// `RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`…
const KEY_LABEL = '[ A-Z0-9]{0,40}PRIVATE KEY[ A-Z]{0,10}';
// A key name ending in a word that names a secret: `DB_PASSWORD`, `x-api-key`,
// `client_secret`, `--auth-token`. Bounded, so a 100 KB word costs no more than a short one.
const SECRET_KEY = String.raw`[\w.-]{0,40}?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key|credentials?|cookie|auth)`;
// `=`, `:`, `": "`, `' = '`…
const ASSIGNED = String.raw`["']?[ \t]{0,8}[:=][ \t]{0,8}`;
// A quoted value to its closing quote (or the line's end: the tail cuts long lines), else
// up to white space or a delimiter of query strings, connection strings and lists.
const VALUE = String.raw`"(?:[^"\\\r\n]|\\.)*"?|'(?:[^'\\\r\n]|\\.)*'?|[^\s"',;&]+`;

function maskValue(value: string): string {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return REDACTED;
  return `${quote}${REDACTED}${value.length > 1 && value.endsWith(quote) ? quote : ''}`;
}

/** The shapes `redactSecrets` replaces, in the order it applies them. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    name: 'a private key block',
    // To its END line, or to the end of the tail when the tail ends inside the key.
    pattern: new RegExp(
      String.raw`-----BEGIN${KEY_LABEL}-----[\s\S]*?(?:-----END${KEY_LABEL}-----|$)`,
      'g',
    ),
    replace: redacted,
  },
  {
    name: 'the end of a private key block',
    // A tail that starts inside a key: everything up to its END line.
    pattern: new RegExp(String.raw`^[\s\S]*?-----END${KEY_LABEL}-----`, 'g'),
    replace: redacted,
  },
  {
    name: 'a password in a URL',
    // `scheme://user:password@host`: the password up to the last `@` of the authority, as
    // URL parsers read it; scheme, user and host stay, they help the reader.
    pattern: /(?<![\w+.-])([a-z][\w+.-]{0,30}:\/\/[^\s/?#@:"'<>]{0,256}:)[^\s/?#"'<>]{1,512}@/gi,
    replace: (_match, start) => `${start}${REDACTED}@`,
  },
  {
    name: 'an Authorization header',
    pattern:
      /(?<![\w-])(authorization["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)((?:bearer|basic|digest|token|bot)[ \t]{1,8})?[^\s"',;]+/gi,
    replace: (_match, name, scheme = '') => `${name}${scheme}${REDACTED}`,
  },
  {
    name: 'a bearer token',
    pattern: /(?<![\w-])(bearer[ \t]{1,8})[\w.~+/-]{8,}=*/gi,
    replace: (_match, scheme) => `${scheme}${REDACTED}`,
  },
  {
    name: 'a secret key=value or "key": "value" pair',
    pattern: new RegExp(String.raw`(?<![\w.-])(${SECRET_KEY})(${ASSIGNED})(${VALUE})`, 'gi'),
    replace: (_match, key, assigned, value = '') => `${key}${assigned}${maskValue(value)}`,
  },
  {
    name: 'an AWS access key id',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    replace: redacted,
  },
  {
    name: 'a Slack webhook URL',
    pattern: /(hooks\.slack\.com\/)(?:services|workflows|triggers)\/[\w/-]+/gi,
    replace: (_match, host) => `${host}${REDACTED}`,
  },
  {
    name: 'a Slack token',
    pattern: /(?<![\w-])(?:xox[abeprs]|xapp)-[A-Za-z0-9-]{10,}/g,
    replace: redacted,
  },
  {
    name: 'a GitHub token',
    pattern: /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})/g,
    replace: redacted,
  },
  {
    name: 'a JWT',
    // Header and payload are enough: the tail may have cut the signature off.
    pattern: /(?<![\w-])eyJ[\w-]{10,}\.[\w-]{2,}(?:\.[\w-]*)?/g,
    replace: redacted,
  },
];

/**
 * `text` with every secret of a known shape replaced by `[REDACTED]`: private key blocks,
 * URL passwords, Authorization headers and bearer tokens, secret-named key=value and JSON
 * pairs, AWS access key ids, Slack tokens and webhooks, GitHub tokens, JWTs. Linear in the
 * length of `text`; never fails.
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const { pattern, replace } of SECRET_PATTERNS) out = out.replace(pattern, replace);
  return out;
}
