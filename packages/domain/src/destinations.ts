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
export const MAX_DESTINATIONS = 5;
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

/** The canonical text of a destination: what its fingerprint is a digest of. */
function canonical(destination: Destination): string {
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
  return `${destination.type}:${digest(canonical(destination)).slice(0, 12)}`;
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
    const key = canonical(destination);
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
 * Whether a host name or address literal is loopback, private, link-local, unspecified
 * or otherwise not a public internet host (`localhost`, 10/8, 172.16/12, 192.168/16,
 * 127/8, 169.254/16, 100.64/10, 0/8, ::1, fc00::/7, fe80::/10, IPv4-mapped ones).
 */
export function isPrivateHost(host: string): boolean {
  // `localhost.` is `localhost`: a fully qualified name's final dot changes nothing.
  const name = host
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === '') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
  const v4 = mapped?.[1] ?? name;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v4);
  if (octets) {
    const [a, b] = [Number(octets[1]), Number(octets[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (name.includes(':')) {
    return (
      name === '::' ||
      name === '::1' ||
      /^f[cd][0-9a-f]{2}:/.test(name) ||
      /^fe[89ab][0-9a-f]:/.test(name) ||
      name.startsWith('::ffff:')
    );
  }
  return false;
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
