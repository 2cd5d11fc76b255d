/**
 * Destinations (docs/destinations.md): where an incident's transitions go besides Slack —
 * PagerDuty, Opsgenie, signed webhooks. A board's `destinations`, or a scheduler's own
 * list that replaces its boards', are fixed into the incident when it opens, so its
 * acknowledgement and resolution reach the integration that was paged. Pure: the
 * schemas, what each transition owes each destination, and what the api shows of one
 * (a fingerprint, never a secret).
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { IncidentEffect } from './incidents.ts';

/** Destinations a board, or a scheduler, names at most. */
const MAX_DESTINATIONS = 5;
/** Destinations one incident delivers to at most (its boards' together). */
export const MAX_INCIDENT_DESTINATIONS = 10;

const SecretSchema = (description: string, minLength: number) =>
  Type.String({
    minLength,
    maxLength: 256,
    // Printable ASCII: a secret pasted with a newline or a space is a mistake.
    pattern: '^[\\x21-\\x7E]+$',
    'x-problem': `use ${minLength}–256 printable characters without spaces`,
    description,
  });

const WebhookDestinationSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: Type.String({
      minLength: 1,
      maxLength: 2_048,
      pattern: '^https?://[^\\s]+$',
      'x-problem': 'use an http:// or https:// URL',
      description: 'Where the JSON deliveries are POSTed',
    }),
    secret: SecretSchema('The HMAC-SHA256 key of the Schedmon-Signature header', 16),
  },
  { additionalProperties: false },
);

const PagerDutyDestinationSchema = Type.Object(
  {
    type: Type.Literal('pagerduty'),
    routing_key: Type.String({
      pattern: '^[A-Za-z0-9]{32}$',
      'x-problem': 'use the 32-character integration key of an Events API v2 integration',
      description: 'The integration key of a PagerDuty Events API v2 integration',
    }),
  },
  { additionalProperties: false },
);

const OpsgenieDestinationSchema = Type.Object(
  {
    type: Type.Literal('opsgenie'),
    api_key: SecretSchema('The API key of an Opsgenie API integration', 8),
    region: Type.Union([Type.Literal('us'), Type.Literal('eu')], {
      description: 'us: api.opsgenie.com, eu: api.eu.opsgenie.com',
    }),
  },
  { additionalProperties: false },
);

/** One destination, as configured (with its secret). */
export const DestinationSchema = Type.Union(
  [WebhookDestinationSchema, PagerDutyDestinationSchema, OpsgenieDestinationSchema],
  {
    'x-problem':
      'a destination is { type: webhook, url, secret }, { type: pagerduty, routing_key } or { type: opsgenie, api_key, region }',
  },
);
export type Destination = Static<typeof DestinationSchema>;

/** A list of destinations as configured on a board or a scheduler. */
export const DestinationListSchema = Type.Array(DestinationSchema, {
  maxItems: MAX_DESTINATIONS,
  description: 'PagerDuty, Opsgenie and webhook destinations of incidents (docs/destinations.md)',
});

/** What the api shows of a destination: never its secret. */
export const DestinationViewSchema = Type.Object({
  type: Type.Union([Type.Literal('webhook'), Type.Literal('pagerduty'), Type.Literal('opsgenie')]),
  /** `<type>:<12 hex>`: a digest of the whole destination, secret included. */
  fingerprint: Type.String(),
  /** A webhook's scheme and host (its path may carry a token). */
  origin: Type.Optional(Type.String()),
  region: Type.Optional(Type.Union([Type.Literal('us'), Type.Literal('eu')])),
});
export type DestinationView = Static<typeof DestinationViewSchema>;

/** The transitions a destination hears of (incidents.md → Other destinations). */
export type Transition = 'opened' | 'acknowledged' | 'resolved';
export const TransitionSchema = Type.Union([
  Type.Literal('opened'),
  Type.Literal('acknowledged'),
  Type.Literal('resolved'),
]);

/** The transition an incident effect is to destinations, or undefined (a follow-up). */
export function transitionOf(effect: IncidentEffect): Transition | undefined {
  if (effect.type === 'open') return 'opened';
  if (effect.type === 'resolve') return 'resolved';
  return effect.reason.type === 'acknowledged' ? 'acknowledged' : undefined;
}

/**
 * The canonical text of a destination: the same for equal destinations whatever the
 * order of their fields, and what its fingerprint is a digest of.
 */
export function canonicalOf(destination: Destination): string {
  switch (destination.type) {
    case 'webhook':
      return JSON.stringify(['webhook', destination.url, destination.secret]);
    case 'pagerduty':
      return JSON.stringify(['pagerduty', destination.routing_key]);
    case 'opsgenie':
      return JSON.stringify(['opsgenie', destination.region, destination.api_key]);
  }
}

/**
 * The fingerprint of a destination, `<type>:<12 hex of digest>`: the same configuration
 * always has the same one, so a boards file can be compared with what is stored without
 * the api returning secrets. `digest` is SHA-256 in hex (the callers' crypto).
 */
export function destinationFingerprint(
  destination: Destination,
  digest: (text: string) => string,
): string {
  return `${destination.type}:${digest(canonicalOf(destination)).slice(0, 12)}`;
}

/** What the api shows of a destination. */
export function destinationView(
  destination: Destination,
  digest: (text: string) => string,
): DestinationView {
  const fingerprint = destinationFingerprint(destination, digest);
  switch (destination.type) {
    case 'webhook':
      return { type: 'webhook', fingerprint, origin: originOf(destination.url) };
    case 'pagerduty':
      return { type: 'pagerduty', fingerprint };
    case 'opsgenie':
      return { type: 'opsgenie', fingerprint, region: destination.region };
  }
}

/** `https://host[:port]` of a URL, or '' when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * What a destination list means beyond its shape: webhook URLs that parse, carry no
 * credentials, and (unless `allowPrivate`) do not name a loopback, private or link-local
 * address literally (the sender checks resolved addresses too); no destination twice.
 */
export function destinationProblems(
  destinations: readonly Destination[],
  options: { allowPrivate: boolean; field: string },
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  destinations.forEach((destination, index) => {
    const at = `${options.field}.${index}`;
    const key = canonicalOf(destination);
    if (seen.has(key)) problems.push(`${at} is the same destination as an earlier one`);
    seen.add(key);
    if (destination.type !== 'webhook') return;
    let url: URL;
    try {
      url = new URL(destination.url);
    } catch {
      problems.push(`${at}.url is not a URL`);
      return;
    }
    if (url.username !== '' || url.password !== '') {
      problems.push(`${at}.url must not carry a user or password (the secret signs instead)`);
    }
    if (!options.allowPrivate && isPrivateHost(url.hostname)) {
      problems.push(
        `${at}.url names a loopback, private or link-local host; set DESTINATION_ALLOW_PRIVATE_URLS=true to allow it`,
      );
    }
  });
  return problems;
}

/**
 * Whether a host name or address literal is loopback, private, link-local, unspecified,
 * reserved or otherwise not a public internet host: `localhost` and `*.localhost`;
 * IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 * 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/3; IPv6 ::, ::1, fc00::/7,
 * fe80::/10, fec0::/10, ff00::/8, and IPv6 forms carrying an IPv4 address (::ffff:0:0/96,
 * ::/96, ::ffff:0:0:0/96, 64:ff9b::/96, 64:ff9b:1::/48, 2002::/16) judged by that address.
 */
export function isPrivateHost(host: string): boolean {
  // `localhost.` is `localhost`: a fully qualified name's final dot changes nothing.
  const name = host
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === '') return true;
  const v4 = ipv4Of(name);
  if (v4) return isPrivateIpv4(v4);
  if (name.includes(':')) {
    const groups = ipv6Of(name);
    if (!groups) return true;
    const [a = 0, b = 0] = groups;
    const embedded = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
    const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
    if (zeros(0, 8) || (zeros(0, 7) && groups[7] === 1)) return true;
    // Unique local, link-local, site-local (deprecated), multicast.
    if ((a & 0xfe00) === 0xfc00 || (a & 0xff80) === 0xfe80 || (a & 0xff00) === 0xff00) return true;
    // IPv4-mapped, -compatible, -translated and NAT64 (well-known and local-use): the IPv4
    // address in the last 32 bits.
    if (
      (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) ||
      (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0) ||
      (a === 0x64 && b === 0xff9b && zeros(2, 6)) ||
      (a === 0x64 && b === 0xff9b && groups[2] === 1)
    ) {
      return isPrivateIpv4(embedded(groups[6] ?? 0, groups[7] ?? 0));
    }
    // 6to4: the IPv4 address in bits 16–48.
    if (a === 0x2002) return isPrivateIpv4(embedded(b, groups[2] ?? 0));
    return false;
  }
  return false;
}

function ipv4Of(name: string): number[] | undefined {
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return octets ? octets.slice(1).map(Number) : undefined;
}

function isPrivateIpv4([a = 0, b = 0, c = 0]: readonly number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224
  );
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail allowed), or undefined. */
function ipv6Of(name: string): number[] | undefined {
  let text = name.split('%')[0] ?? '';
  const tail = /:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  if (tail?.[1]) {
    const [w = 0, x = 0, y = 0, z = 0] = ipv4Of(tail[1]) ?? [];
    text = `${text.slice(0, -tail[1].length)}${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (half: string | undefined) => (half ? half.split(':') : []);
  const head = part(halves[0]);
  const rest = part(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 1 ? 0 : missing).fill('0'), ...rest];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => Number.parseInt(group, 16));
}

/** A scheduler's own destinations, replacing its boards' (`DestinationStore`). */
export const DestinationOverrideSchema = Type.Object({
  scheduler_id: Type.String(),
  destinations: Type.Array(DestinationSchema),
  updated_at: Type.String(),
});
export type DestinationOverride = Static<typeof DestinationOverrideSchema>;

/** What one attempt of one delivery came to. */
export const DELIVERY_OUTCOMES = ['delivered', 'retry', 'refused', 'expired'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** One line of an incident's delivery log (`GET /api/v1/incidents/{id}/deliveries`). */
export const DeliveryAttemptSchema = Type.Object({
  incident_id: Type.String(),
  /** The destination's fingerprint (`destinationFingerprint`). */
  destination: Type.String(),
  destination_type: Type.Union([
    Type.Literal('webhook'),
    Type.Literal('pagerduty'),
    Type.Literal('opsgenie'),
  ]),
  transition: TransitionSchema,
  /** The id the destination deduplicates by (webhook `id`, PagerDuty `dedup_key` …). */
  delivery_id: Type.String(),
  /** 1 for the first try; a try whose sender died counts. */
  attempt: Type.Integer({ minimum: 1 }),
  at: Type.String(),
  outcome: Type.Union(DELIVERY_OUTCOMES.map((outcome) => Type.Literal(outcome))),
  /** The HTTP status the destination answered; null: no answer (network, timeout). */
  status: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  /** Sent again after its sender died holding the claim: it may have arrived twice. */
  resent: Type.Boolean(),
});
export type DeliveryAttempt = Static<typeof DeliveryAttemptSchema>;

/** The body of `PUT /api/v1/schedulers/{id}/destinations`. */
export const SchedulerDestinationsInputSchema = Type.Object(
  { destinations: DestinationListSchema },
  { additionalProperties: false },
);
export type SchedulerDestinationsInput = Static<typeof SchedulerDestinationsInputSchema>;

/** A scheduler's own destinations as the api returns them: by fingerprint. */
export const SchedulerDestinationsSchema = Type.Object({
  scheduler_id: Type.String(),
  destinations: Type.Array(DestinationViewSchema),
  updated_at: Type.String(),
});
export type SchedulerDestinations = Static<typeof SchedulerDestinationsSchema>;

/** The answer of `GET /api/v1/incidents/{id}/deliveries`. */
export const DeliveryListSchema = Type.Object({ deliveries: Type.Array(DeliveryAttemptSchema) });
