import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrderKey, StatusEvent } from './events.ts';
import {
  buildDeadlineMessage,
  buildHeartbeatMessage,
  buildStatusMessage,
  compareOrder,
  decideHeartbeat,
  decideStatus,
  historyRowOf,
  orderKeyOf,
  PLACEHOLDER_ORDER_KEY,
  parseQueueMessage,
  recordWithStatus,
  uuidv7,
  validateQueueMessage,
} from './events.ts';
import { seededRandom, shuffled } from './fakes.ts';
import type { SchedulerRecord } from './scheduler.ts';
import { MAX_ERROR_MESSAGE_LENGTH, newSchedulerRecord, toErrorMessage } from './scheduler.ts';

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const NOW = Date.parse('2026-01-15T01:00:00.000Z');
const parse = (body: unknown) =>
  parseQueueMessage(typeof body === 'string' ? body : JSON.stringify(body), {
    now: NOW,
    maxSkewMs: 300_000,
    digest,
  });

const base = {
  v: 1,
  type: 'status',
  scheduler_id: 'service-a-eod',
  service_name: 'Service A',
  job_name: 'EOD',
  status: 'running',
  timestamp: '2026-01-15T00:42:10.120Z',
};

describe('parseQueueMessage', () => {
  it('accepts the documented status and heartbeat messages, normalizing timestamps to UTC', () => {
    const status = parse({ ...base, event_id: 'e1', timestamp: '2026-01-15T07:42:10.12+07:00' });
    expect(status).toMatchObject({
      ok: true,
      event: { type: 'status', event_id: 'e1', timestamp: '2026-01-15T00:42:10.120Z' },
    });
    const heartbeat = parse({
      v: 1,
      type: 'heartbeat',
      scheduler_id: 'service-a-eod',
      timestamp: '2026-01-15T00:45:00Z',
    });
    expect(heartbeat).toMatchObject({
      ok: true,
      event: { type: 'heartbeat', timestamp: '2026-01-15T00:45:00.000Z' },
    });
  });

  it('turns omitted optional fields into nulls and trims names', () => {
    const parsed = parse({ ...base, service_name: '  Service A  ' });
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        service_name: 'Service A',
        execution_time_ms: null,
        error_message: null,
        metadata: null,
        run_id: null,
      },
    });
  });

  it('derives the same id for the same message, whatever its key order or accepted_at', () => {
    const a = parse({ ...base });
    const reordered = Object.fromEntries(Object.entries(base).reverse());
    const b = parse({ ...reordered, accepted_at: '2026-01-15T00:50:00Z' });
    const c = parse({ ...base, status: 'completed' });
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected valid messages');
    expect(a.event.event_id).toBe(b.event.event_id);
    expect(a.event.event_id).not.toBe(c.event.event_id);
    expect(a.event.event_id).toMatch(/^d-[0-9a-f]{40}$/);
  });

  it.each([
    ['not JSON', '{"v":1,', 'not_json'],
    ['an array', [], 'invalid'],
    ['an unknown version', { ...base, v: 2 }, 'unsupported_version'],
    ['no version', { ...base, v: undefined }, 'unsupported_version'],
    ['an unknown type', { ...base, type: 'finish' }, 'invalid'],
    ['a bad status', { ...base, status: 'done' }, 'invalid'],
    ['failed without error_message', { ...base, status: 'failed' }, 'invalid'],
    ['a timestamp without zone', { ...base, timestamp: '2026-01-15T00:42:10' }, 'invalid'],
    ['an unknown field', { ...base, extra: 1 }, 'invalid'],
    ['a bad scheduler id', { ...base, scheduler_id: '-x' }, 'invalid'],
    ['control characters in a name', { ...base, job_name: 'a\u0007b' }, 'invalid'],
    ['a negative execution time', { ...base, execution_time_ms: -1 }, 'invalid'],
    ['huge metadata', { ...base, metadata: { blob: 'x'.repeat(17_000) } }, 'invalid'],
    [
      'deep metadata',
      { ...base, metadata: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } },
      'invalid',
    ],
    [
      'a timestamp 6 min ahead',
      { ...base, timestamp: '2026-01-15T01:06:00.001Z' },
      'future_timestamp',
    ],
  ])('refuses %s with reason %s', (_name, body, reason) => {
    const parsed = parse(body);
    expect(parsed).toMatchObject({ ok: false, reason });
    if (!parsed.ok) expect(parsed.detail.length).toBeGreaterThan(0);
  });

  it.each([
    ['an integer past 2^53', '1736900000000000000', 'metadata.n'],
    ['a magnitude DynamoDB refuses', '1e-200', 'metadata.n'],
    ['an overflow to Infinity', '1e999', 'metadata.n'],
    ['a negative overflow in an array', '[1, -1e999]', 'metadata.n[1]'],
    ['a nested unsafe integer', '{"deep": 9007199254740993}', 'metadata.n.deep'],
  ])('refuses metadata with %s, naming the field', (_name, number, field) => {
    const body = `${JSON.stringify({ ...base, status: 'failed', error_message: 'x' }).slice(0, -1)},"metadata":{"n":${number}}}`;
    const parsed = parse(body);
    expect(parsed).toMatchObject({ ok: false, reason: 'invalid' });
    if (!parsed.ok) expect(parsed.detail).toContain(`${field} must be a number that can be stored`);
  });

  it.each([
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
    ['the smallest safe integer', Number.MIN_SAFE_INTEGER],
    ['a small decimal', 1.5e-100],
    ['a large decimal', 123456.789],
    ['zero', 0],
  ])('accepts metadata with %s', (_name, n) => {
    expect(parse({ ...base, metadata: { n, list: [n] } }).ok).toBe(true);
  });

  it.each([
    ['an escape sequence in error_message', { error_message: 'a\u001b[31mred' }],
    ['a C1 control in error_message', { error_message: 'a\u009bb' }],
    ['a lone surrogate in error_message', { error_message: 'a\ud800b' }],
    ['a lone surrogate in a name', { job_name: 'job \udc00' }],
    ['a lone surrogate in metadata', { metadata: { note: 'x\ud800' } }],
    ['a lone surrogate in a metadata key', { metadata: { 'k\ud800': 1 } }],
  ])('refuses %s', (_name, fields) => {
    expect(parse({ ...base, status: 'failed', error_message: 'x', ...fields })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
  });

  it('keeps tab, line breaks (CRLF too) and astral characters in error_message', () => {
    const error_message = 'line 1\r\n\tline 2 😀';
    const parsed = parse({ ...base, status: 'failed', error_message });
    expect(parsed).toMatchObject({ ok: true, event: { error_message } });
  });

  it('names each problem readably', () => {
    const parsed = parse({ ...base, status: 'done', execution_time_ms: 'fast' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.detail).toContain('status must be one of pending, running, completed, failed');
    expect(parsed.detail).toContain('execution_time_ms must be an integer');
  });

  it('accepts a timestamp right at the allowed skew', () => {
    expect(parse({ ...base, timestamp: '2026-01-15T01:05:00.000Z' }).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------

function statusEvent(id: string, timestamp: string, status: StatusEvent['status']): StatusEvent {
  return {
    type: 'status',
    event_id: id,
    scheduler_id: 'job',
    service_name: 'S',
    job_name: `J-${id}`,
    status,
    timestamp,
    execution_time_ms: status === 'completed' ? 1000 : null,
    error_message: status === 'failed' ? `error ${id}` : null,
    metadata: null,
    run_id: null,
    accepted_at: null,
  };
}

/** Applies events in the given order with the domain rules, like a store would. */
function applyAll(events: StatusEvent[]): SchedulerRecord & { last: string | null } {
  let record = newSchedulerRecord(
    { scheduler_id: 'job', service_name: 'S', job_name: 'J' },
    '2026-01-15T00:00:00.000Z',
  );
  let key: OrderKey = { timestamp: record.timestamp, status: record.status, event_id: null };
  for (const event of events) {
    if (decideStatus(key, event) === 'applied') {
      record = recordWithStatus(record, event, 'now');
      key = event;
    }
  }
  return { ...record, last: key.event_id };
}

describe('ordering', () => {
  const t = (minute: number) => `2026-01-15T00:${String(minute).padStart(2, '0')}:00.000Z`;
  const events = [
    statusEvent('a', t(1), 'pending'),
    statusEvent('b', t(2), 'running'),
    statusEvent('c', t(5), 'running'),
    statusEvent('d', t(5), 'completed'),
    statusEvent('e', t(5), 'pending'),
    statusEvent('f', t(3), 'failed'),
    statusEvent('g', t(5), 'failed'),
  ];

  it('breaks ties terminal > running > pending, then by event id', () => {
    const byOrder = [...events].sort(compareOrder).map((event) => event.event_id);
    expect(byOrder).toEqual(['a', 'b', 'f', 'e', 'c', 'd', 'g']);
  });

  it('ends on the same record for every permutation and duplication of the events', () => {
    // A run's start is the first of its `running` events to arrive (`runStartsOf`): one
    // delivered after a later one of the same run does not move it back, so it is compared
    // apart below. Everything else is exactly the ordered application's.
    const withoutRun = (record: ReturnType<typeof applyAll>) => {
      const { run_started_at: _start, last_run_started_at: _last, ...rest } = record;
      return rest;
    };
    const inOrder = applyAll([...events].sort(compareOrder));
    expect(inOrder.last).toBe('g');
    for (let seed = 1; seed <= 300; seed += 1) {
      const duplicated = [...events, ...events.slice(0, seed % events.length)];
      expect(withoutRun(applyAll(shuffled(duplicated, seed)))).toEqual(withoutRun(inOrder));
    }
  });

  it('never starts a run earlier than its first running event, whatever the order', () => {
    const first = statusEvent('r1', t(1), 'running');
    const second = statusEvent('r2', t(3), 'running');
    expect(applyAll([first, second]).run_started_at).toBe(t(1));
    // The earlier one arrives late: the start stays at the later one (an overrun may come
    // late, never early).
    expect(applyAll([second, first]).run_started_at).toBe(t(3));
  });

  it('clears fields the newer event omits instead of carrying them over', () => {
    const record = applyAll([statusEvent('x', t(1), 'failed'), statusEvent('y', t(2), 'running')]);
    expect(record.error_message).toBeNull();
    expect(record.execution_time_ms).toBeNull();
  });

  it('lets the first event replace the registration placeholder even if older', () => {
    const record = applyAll([statusEvent('old', '2026-01-14T23:00:00.000Z', 'running')]);
    expect(record.status).toBe('running');
  });

  it('reports duplicates and late events', () => {
    const current: OrderKey = { timestamp: t(5), status: 'running', event_id: 'c' };
    expect(decideStatus(current, statusEvent('c', t(5), 'running'))).toBe('duplicate');
    expect(decideStatus(current, statusEvent('b', t(2), 'running'))).toBe('late');
    expect(decideStatus(current, statusEvent('z', t(5), 'completed'))).toBe('applied');
    expect(decideStatus(current, statusEvent('z', t(5), 'pending'))).toBe('late');
  });
});

describe('order keys (event order as one string, for a single conditional write)', () => {
  const sign = (n: number) => (n > 0 ? 1 : n < 0 ? -1 : 0);
  const compareStrings = (a: string, b: string) => (a === b ? 0 : a < b ? -1 : 1);

  it('sort exactly as compareOrder, for every pair of a varied set of events', () => {
    const statuses = ['pending', 'running', 'completed', 'failed'] as const;
    const timestamps = [
      '0001-01-01T00:00:00.000Z',
      '2026-01-15T00:00:00.000Z',
      '2026-01-15T00:00:00.001Z',
      '2026-01-15T00:00:01.000Z',
      '2026-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
    ];
    // Ids that are prefixes of each other, and that differ only after a `#`-like character.
    const ids = ['a', 'a.', 'a-b', 'a0', 'b', 'B', '0', 'Z:z', 'a'.repeat(128)];
    const events = timestamps.flatMap((timestamp) =>
      statuses.flatMap((status) => ids.map((id) => statusEvent(id, timestamp, status))),
    );
    let pairs = 0;
    for (const a of events) {
      for (const b of events) {
        const expected = sign(compareOrder(a, b));
        if (sign(compareStrings(orderKeyOf(a), orderKeyOf(b))) !== expected) {
          throw new Error(`order keys disagree on ${orderKeyOf(a)} vs ${orderKeyOf(b)}`);
        }
        pairs += 1;
      }
    }
    expect(pairs).toBe(events.length ** 2);
  });

  it('put the registration placeholder below every event, so the first event replaces it', () => {
    const placeholder = orderKeyOf({
      timestamp: '2026-01-15T00:00:00.000Z',
      status: 'pending',
      event_id: null,
    });
    expect(placeholder).toBe(PLACEHOLDER_ORDER_KEY);
    expect(
      PLACEHOLDER_ORDER_KEY < orderKeyOf(statusEvent('0', '0000-01-01T00:00:00.000Z', 'pending')),
    ).toBe(true);
  });
});

describe('heartbeats', () => {
  const hb = (timestamp: string) => ({
    type: 'heartbeat' as const,
    event_id: timestamp,
    scheduler_id: 'job',
    timestamp,
    accepted_at: null,
  });

  it('only move last_heartbeat forward', () => {
    expect(decideHeartbeat(null, hb('2026-01-15T00:01:00.000Z'))).toBe('applied');
    expect(decideHeartbeat('2026-01-15T00:01:00.000Z', hb('2026-01-15T00:02:00.000Z'))).toBe(
      'applied',
    );
    expect(decideHeartbeat('2026-01-15T00:02:00.000Z', hb('2026-01-15T00:01:00.000Z'))).toBe(
      'late',
    );
    expect(decideHeartbeat('2026-01-15T00:02:00.000Z', hb('2026-01-15T00:02:00.000Z'))).toBe(
      'duplicate',
    );
  });
});

describe('history rows', () => {
  it('are keyed <timestamp>#<event_id> and expire after the retention period', () => {
    const row = historyRowOf(statusEvent('e1', '2026-01-15T00:00:00.000Z', 'running'), 30);
    expect(row.sk).toBe('2026-01-15T00:00:00.000Z#e1');
    expect(row.expires_at).toBe(Date.parse('2026-02-14T00:00:00.000Z') / 1000);
    expect(row).toMatchObject({ id: 'e1', type: 'status', status: 'running' });
  });
});

describe('toErrorMessage', () => {
  const acceptable = (text: string) =>
    parse({ ...base, status: 'failed', error_message: text }).ok === true;

  it.each([
    ['colours', '\u001b[31mERROR\u001b[0m disk full', 'ERROR disk full'],
    ['a progress bar', '20%\r40%\rdone', '20%\r40%\rdone'],
    ['a hyperlink', '\u001b]8;;http://x\u0007link\u001b]8;;\u0007', 'link'],
    ['a bell, a backspace and a C1 CSI', 'a\u0007b\u0008c\u009b2J', 'abc2J'],
    ['a lone surrogate', 'cut \ud83d', 'cut \ufffd'],
    ['CRLF line ends', 'at Job.Run()\r\n   at Main()', 'at Job.Run()\r\n   at Main()'],
  ])('makes %s acceptable', (_name, text, expected) => {
    expect(acceptable(text)).toBe(text === expected);
    expect(toErrorMessage(text)).toBe(expected);
    expect(acceptable(toErrorMessage(text))).toBe(true);
  });

  it('keeps the end of a text that is too long, within the limit', () => {
    const text = `${'a'.repeat(20_000)}the error`;
    const message = toErrorMessage(text);
    expect(message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(message.endsWith('the error')).toBe(true);
    expect(acceptable(message)).toBe(true);
  });
});

describe('building messages', () => {
  /** Seeded random bytes, so a failing case replays. */
  const bytesFrom = (seed: number) => {
    const next = seededRandom(seed);
    return (size: number) => Uint8Array.from({ length: size }, () => Math.floor(next() * 256));
  };
  const context = { now: NOW, random: bytesFrom(7) };
  const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('makes UUIDv7 ids that carry the time and sort by it', () => {
    const id = uuidv7(NOW, bytesFrom(1));
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(NOW);
    const ids = [NOW + 1, NOW, NOW + 1_000, NOW - 1].map((ms, i) => uuidv7(ms, bytesFrom(i)));
    expect([...ids].sort()).toEqual([ids[3], ids[1], ids[0], ids[2]]);
    expect(uuidv7(NOW, bytesFrom(1))).not.toBe(uuidv7(NOW, bytesFrom(2)));
  });

  it('builds a valid status message: new id, stored timestamp, no accepted_at for a producer', () => {
    const message = buildStatusMessage(
      {
        scheduler_id: 'service-a-eod',
        service_name: 'Service A',
        job_name: 'EOD',
        status: 'running',
        timestamp: '2026-01-15T07:42:10.12+07:00',
      },
      context,
    );
    expect(message).toEqual({
      v: 1,
      type: 'status',
      event_id: expect.stringMatching(UUID_V7),
      scheduler_id: 'service-a-eod',
      service_name: 'Service A',
      job_name: 'EOD',
      status: 'running',
      timestamp: '2026-01-15T00:42:10.120Z',
    });
    expect(Object.keys(message)[0]).toBe('v');
    expect(validateQueueMessage(message).ok).toBe(true);
  });

  it('keeps a given event id, defaults the timestamp to now, and stamps accepted_at for the api', () => {
    const heartbeat = buildHeartbeatMessage(
      { scheduler_id: 'service-a-eod', event_id: 'beat-1' },
      { ...context, accepted: true },
    );
    expect(heartbeat).toEqual({
      v: 1,
      type: 'heartbeat',
      event_id: 'beat-1',
      scheduler_id: 'service-a-eod',
      timestamp: '2026-01-15T01:00:00.000Z',
      accepted_at: '2026-01-15T01:00:00.000Z',
    });
    expect(validateQueueMessage(heartbeat).ok).toBe(true);
  });

  it('leaves an invalid timestamp as given, for validation to name', () => {
    const message = buildHeartbeatMessage(
      { scheduler_id: 'service-a-eod', timestamp: 'yesterday' },
      context,
    );
    expect(message.timestamp).toBe('yesterday');
    expect(validateQueueMessage(message)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('deadline messages', () => {
  const deadline = {
    scheduler_id: 'job-a',
    kind: 'missed' as const,
    due_at: '2026-01-15T00:10:00.000Z',
    expected_at: '2026-01-15T00:00:00.000Z',
  };

  it('reads the watchdog’s message, its id the digest of scheduler, kind and instant', () => {
    const message = buildDeadlineMessage(deadline, false, digest);
    expect(message.event_id).toMatch(/^dl-[0-9a-f]{40}$/);
    expect(buildDeadlineMessage(deadline, true, digest).event_id).toBe(message.event_id);
    const parsed = parse(message);
    expect(parsed).toMatchObject({
      ok: true,
      event: { type: 'deadline', kind: 'missed', timestamp: deadline.due_at, unwatched: false },
    });
  });

  it('refuses a deadline whose id is not the watchdog’s, and unknown fields', () => {
    const message = buildDeadlineMessage(deadline, false, digest);
    expect(parse({ ...message, event_id: 'dl-forged' })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(parse({ ...message, kind: 'failed' })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parse({ ...message, extra: 1 })).toMatchObject({ ok: false, reason: 'invalid' });
    // The same instant spelled another way, with its own digest: refused, not a second id.
    const respelled = buildDeadlineMessage(
      { ...deadline, due_at: '2026-01-15T07:10:00+07:00' },
      false,
      digest,
    );
    expect(parse(respelled)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
