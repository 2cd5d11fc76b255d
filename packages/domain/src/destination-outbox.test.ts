// The destination lanes of an incident box: what each transition owes each destination,
// in order per lane, claimed, sent again after a dead sender, retried, expired and shed.
import { describe, expect, it } from 'vitest';
import type { Destination } from './destinations.ts';
import {
  destinationFingerprint,
  destinationProblems,
  isPrivateHost,
  transitionOf,
} from './destinations.ts';
import type {
  DestinationEntry,
  DestinationResult,
  IncidentBox,
  IncidentContext,
} from './incident-box.ts';
import {
  EMPTY_BOX,
  MAX_DESTINATION_ENTRIES,
  nextDestinationStep,
  nextDueAt,
  oldestUndeliveredAt,
  pointerOf,
  settleDestinations,
  withStep,
} from './incident-box.ts';
import type { IncidentPolicy, IncidentSignal } from './incidents.ts';
import { nextIncidentState } from './incidents.ts';

const pager: Destination = { type: 'pagerduty', routing_key: 'a'.repeat(32) };
const hook: Destination = {
  type: 'webhook',
  url: 'https://hooks.example.com/schedmon',
  secret: 'whsec-0123456789abcdef',
};
const policy: IncidentPolicy = {
  alert_after_failures: 1,
  recover_after_successes: 1,
  min_runtime_seconds: null,
  quiet: false,
};
const contextWith = (destinations: Destination[] | undefined): IncidentContext => ({
  scheduler: {
    scheduler_id: 'job',
    service_name: 'Payments',
    job_name: 'EOD',
    alert_user_id: null,
  },
  opening: {
    at: '2026-01-15T01:00:00.000Z',
    expected_at: null,
    grace_seconds: null,
    error_message: 'disk full',
    execution_time_ms: null,
    min_runtime_seconds: null,
    max_runtime_seconds: null,
    started_at: null,
    last_signal_at: null,
    failures_in_row: null,
  },
  ...(destinations === undefined ? {} : { destinations }),
});
const at = (minute: number) => new Date(Date.UTC(2026, 0, 15, 1, minute)).toISOString();
const ms = (minute: number) => Date.parse(at(minute));
const failed = (minute: number): IncidentSignal => ({
  type: 'failed',
  at: at(minute),
  event_id: `f${minute}`,
  error_message: 'disk full',
});
const completed = (minute: number): IncidentSignal => ({
  type: 'completed',
  at: at(minute),
  event_id: `c${minute}`,
  duration_ms: 1000,
});
const acknowledged = (minute: number, incidentId: string): IncidentSignal => ({
  type: 'acknowledged',
  at: at(minute),
  user_id: 'U0ONCALL',
  incident_id: incidentId,
});

function boxAfter(signals: IncidentSignal[], destinations: Destination[] | null = [pager, hook]) {
  let box: IncidentBox = EMPTY_BOX;
  for (const signal of signals) {
    const step = nextIncidentState(box.tracker, 'job', signal, policy);
    box = withStep(box, step, contextWith(destinations ?? undefined), signal.at, null).box;
  }
  return box;
}
/** The destinations an incident's entries go to, through the box's table. */
const destinationsOf = (box: IncidentBox, incidentId: string) =>
  (box.contexts[incidentId]?.destination_keys ?? []).map((key) => box.destination_table?.[key]);
const lanes = (box: IncidentBox) =>
  (box.destination_outbox ?? []).map((entry) => `${entry.destination}:${entry.transition}`);
/** When the box next needs a sender for its destinations alone (its Slack entries set aside). */
const dueAt = (box: IncidentBox) => nextDueAt({ ...box, outbox: [] });
const options = { owner: 'w1', leaseMs: 60_000, maxAgeMs: 3_600_000 };

describe('transitions owed to destinations', () => {
  it('queues opened, acknowledged and resolved for each destination, follow-ups not', () => {
    const box = boxAfter([failed(1), failed(2), acknowledged(3, 'job#f1'), completed(4)]);
    expect(lanes(box)).toEqual([
      '0:opened',
      '1:opened',
      '0:acknowledged',
      '1:acknowledged',
      '0:resolved',
      '1:resolved',
    ]);
    expect(destinationsOf(box, 'job#f1')).toEqual([pager, hook]);
    expect(box.destination_outbox?.[2]?.incident.state).toBe('acknowledged');
  });

  it('queues nothing without destinations, and leaves old boxes as they were', () => {
    expect(boxAfter([failed(1), completed(2)], null).destination_outbox).toBeUndefined();
    expect(boxAfter([failed(1), completed(2)], []).destination_outbox).toBeUndefined();
  });

  it('maps effects to transitions', () => {
    const box = boxAfter([failed(1)]);
    const incident = box.tracker.open;
    if (!incident) throw new Error('no incident');
    expect(transitionOf({ type: 'open', incident, signal: failed(1) })).toBe('opened');
    expect(transitionOf({ type: 'resolve', incident, duration_ms: 1 })).toBe('resolved');
    expect(
      transitionOf({ type: 'follow_up', incident, reason: { type: 'repeated', kind: 'failed' } }),
    ).toBeUndefined();
  });

  it('keeps the destinations the incident opened with, whatever later signals carry', () => {
    let box = boxAfter([failed(1)], [pager]);
    const step = nextIncidentState(box.tracker, 'job', completed(2), policy);
    box = withStep(box, step, contextWith([hook]), at(2), null).box;
    expect(lanes(box)).toEqual(['0:opened', '0:resolved']);
    expect(destinationsOf(box, 'job#f1')).toEqual([pager]);
  });
});

describe('nextDestinationStep', () => {
  it('claims the head of every lane at once, and the next of a lane only after it', () => {
    const box = boxAfter([failed(1), completed(2)]);
    const step = nextDestinationStep(box, ms(2), options);
    expect(step?.claimed.map((entry) => `${entry.destination}:${entry.transition}`)).toEqual([
      '0:opened',
      '1:opened',
    ]);
    expect(step?.claimed.every((entry) => entry.claim?.owner === 'w1')).toBe(true);
    // Claimed and not yet settled: nothing more to take, the claims' end is the next due.
    const again = step && nextDestinationStep(step.box, ms(2), { ...options, owner: 'w2' });
    expect(again).toBeUndefined();
    expect(step && dueAt(step.box)).toBe(new Date(ms(2) + 60_000).toISOString());
  });

  it('settles: a delivered head lets the next of its lane go; a retried one holds its lane only', () => {
    const box = boxAfter([failed(1), completed(2)]);
    const step = nextDestinationStep(box, ms(2), options);
    if (!step) throw new Error('nothing claimed');
    const [pagerOpened, hookOpened] = step.claimed as [DestinationEntry, DestinationEntry];
    const results = new Map<number, DestinationResult>([
      [pagerOpened.seq, { type: 'done' }],
      [hookOpened.seq, { type: 'retry', at: at(10), error: 'http 503' }],
    ]);
    const settled = settleDestinations(step.box, 'w1', results);
    if (!settled) throw new Error('nothing settled');
    expect(lanes(settled)).toEqual(['1:opened', '0:resolved', '1:resolved']);
    const retried = settled.destination_outbox?.[0];
    expect(retried).toMatchObject({ attempts: 1, last_error: 'http 503', next_attempt_at: at(10) });
    expect(retried?.claim).toBeUndefined();
    const next = nextDestinationStep(settled, ms(3), options);
    // The webhook's resolution waits behind its opening; the pager's goes.
    expect(next?.claimed.map((entry) => `${entry.destination}:${entry.transition}`)).toEqual([
      '0:resolved',
    ]);
    expect(dueAt(settled)).toBe(at(2));
    expect(oldestUndeliveredAt(settled)).toBe(at(1));
  });

  it('sends a head again, counted, when its sender died holding the claim', () => {
    const box = boxAfter([failed(1)]);
    const first = nextDestinationStep(box, ms(1), options);
    if (!first) throw new Error('nothing claimed');
    expect(
      nextDestinationStep(first.box, ms(1) + 59_999, { ...options, owner: 'w2' }),
    ).toBeUndefined();
    const again = nextDestinationStep(first.box, ms(1) + 60_000, { ...options, owner: 'w2' });
    expect(again?.resent.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(
      again?.claimed.every((entry) => entry.claim?.owner === 'w2' && entry.attempts === 1),
    ).toBe(true);
    // The dead sender's late settle changes nothing: the claim is w2's now.
    const late = settleDestinations(again?.box ?? box, 'w1', new Map([[1, { type: 'done' }]]));
    expect(late).toBeUndefined();
  });

  it('drops a head older than the max age, and looks at the next of its lane', () => {
    const box = boxAfter([failed(1), completed(2)]);
    const step = nextDestinationStep(box, ms(1) + 3_600_001, options);
    expect(step?.expired.map((entry) => `${entry.destination}:${entry.transition}`)).toEqual([
      '0:opened',
      '1:opened',
    ]);
    expect(step?.claimed.map((entry) => `${entry.destination}:${entry.transition}`)).toEqual([
      '0:resolved',
      '1:resolved',
    ]);
  });

  it('waits for a retry time, and says nothing is due before it', () => {
    const box = boxAfter([failed(1)]);
    const step = nextDestinationStep(box, ms(1), options);
    if (!step) throw new Error('nothing claimed');
    const settled = settleDestinations(
      step.box,
      'w1',
      new Map(
        step.claimed.map((entry) => [entry.seq, { type: 'retry', at: at(5), error: 'timeout' }]),
      ),
    );
    if (!settled) throw new Error('nothing settled');
    expect(nextDestinationStep(settled, ms(4), options)).toBeUndefined();
    expect(dueAt(settled)).toBe(at(5));
    expect(nextDestinationStep(settled, ms(5), options)?.claimed).toHaveLength(2);
  });

  it('drops refused entries like delivered ones', () => {
    const box = boxAfter([failed(1)], [pager]);
    const step = nextDestinationStep(box, ms(1), options);
    const settled =
      step &&
      settleDestinations(step.box, 'w1', new Map([[1, { type: 'drop', error: 'http 400' }]]));
    expect(settled?.destination_outbox).toEqual([]);
    expect(settled && dueAt(settled)).toBeUndefined();
  });
});

describe('shedding', () => {
  it('past the cap, drops whole lanes that never got their opening out, oldest first', () => {
    // A job flapping every minute while every destination is down.
    const signals: IncidentSignal[] = [];
    for (let minute = 0; minute < 40; minute += 2)
      signals.push(failed(minute), completed(minute + 1));
    const five = [
      pager,
      hook,
      { ...hook, secret: 'x'.repeat(16) },
      { ...hook, secret: 'y'.repeat(16) },
    ];
    const box = boxAfter(signals, five);
    const entries = box.destination_outbox ?? [];
    expect(entries.length).toBeLessThanOrEqual(MAX_DESTINATION_ENTRIES);
    // Every lane kept is whole: its opening and its resolution.
    const byLane = new Map<string, string[]>();
    for (const entry of entries) {
      const lane = `${entry.destination} ${entry.incident.incident_id}`;
      byLane.set(lane, [...(byLane.get(lane) ?? []), entry.transition]);
    }
    for (const transitions of byLane.values()) expect(transitions).toEqual(['opened', 'resolved']);
    // The newest incidents are the ones kept, and their contexts with them.
    expect(entries.at(-1)?.incident.incident_id).toBe('job#f38');
    for (const entry of entries) expect(box.contexts[entry.incident.incident_id]).toBeDefined();
  });
});

describe('a full box (the item must stay storable)', () => {
  /** Every due entry of the box delivered (`done`) or failed (`retry`) by `answer`. */
  const sendAll = (
    box: IncidentBox,
    atMs: number,
    answer: (entry: DestinationEntry) => DestinationResult,
  ) => {
    const step = nextDestinationStep(box, atMs, options);
    if (!step) return box;
    return (
      settleDestinations(
        step.box,
        'w1',
        new Map(step.claimed.map((entry) => [entry.seq, answer(entry)])),
      ) ?? step.box
    );
  };

  it('keeps the new incident’s opening when old resolutions are owed (PagerDuty took the triggers, then went down)', () => {
    const destinations = [pager, { ...pager, routing_key: 'b'.repeat(32) }];
    let box: IncidentBox = EMPTY_BOX;
    let minute = 0;
    for (let i = 0; i < 40; i += 1) {
      for (const signal of [failed(minute), completed(minute + 1)]) {
        const step = nextIncidentState(box.tracker, 'job', signal, policy);
        box = withStep(box, step, contextWith(destinations), signal.at, null).box;
        // Triggers go through; resolutions fail and stay owed.
        box = sendAll(box, ms(minute + 1), (entry) =>
          entry.transition === 'opened'
            ? { type: 'done' }
            : { type: 'retry', at: at(minute + 500), error: 'http 503' },
        );
      }
      minute += 2;
      const step = nextIncidentState(box.tracker, 'job', failed(minute), policy);
      const next = withStep(box, step, contextWith(destinations), at(minute), null);
      // The new incident's openings are never what is shed.
      expect(next.shed.filter((shed) => shed.transition === 'opened')).toEqual([]);
      const opened = next.box.destination_outbox?.filter(
        (entry) => entry.incident.incident_id === `job#f${minute}` && entry.transition === 'opened',
      );
      expect(opened).toHaveLength(2);
      box = withStep(
        next.box,
        nextIncidentState(next.box.tracker, 'job', completed(minute + 1), policy),
        contextWith(destinations),
        at(minute + 1),
        null,
      ).box;
      expect(box.destination_outbox?.length ?? 0).toBeLessThanOrEqual(MAX_DESTINATION_ENTRIES);
    }
  });

  it('never sheds first a lane whose opening was tried: it may have paged, and needs its resolve', () => {
    let box = boxAfter([failed(0)], [pager]);
    // The trigger timed out (PagerDuty may have taken it), then the job recovered.
    const step = nextDestinationStep(box, ms(0), options);
    if (!step) throw new Error('nothing claimed');
    box =
      settleDestinations(
        step.box,
        'w1',
        new Map(
          step.claimed.map((entry) => [
            entry.seq,
            { type: 'retry', at: at(100), error: 'timeout' },
          ]),
        ),
      ) ?? step.box;
    box = withStep(
      box,
      nextIncidentState(box.tracker, 'job', completed(1), policy),
      contextWith([pager]),
      at(1),
      null,
    ).box;
    // Then a flood of incidents, never tried (the destination is backing off).
    for (let minute = 2; minute < 40; minute += 2) {
      for (const signal of [failed(minute), completed(minute + 1)]) {
        box = withStep(
          box,
          nextIncidentState(box.tracker, 'job', signal, policy),
          contextWith([pager]),
          signal.at,
          null,
        ).box;
      }
    }
    const first = (box.destination_outbox ?? []).filter(
      (entry) => entry.incident.incident_id === 'job#f0',
    );
    expect(first.map((entry) => entry.transition)).toEqual(['opened', 'resolved']);
  });

  it('says in the pointer when the lanes are due apart from Slack', () => {
    const box = boxAfter([failed(1)], [pager]);
    const step = nextDestinationStep(box, ms(1), options);
    if (!step) throw new Error('nothing claimed');
    const settled = settleDestinations(
      step.box,
      'w1',
      new Map(
        step.claimed.map((entry) => [entry.seq, { type: 'retry', at: at(30), error: 'http 503' }]),
      ),
    );
    if (!settled) throw new Error('nothing settled');
    // Slack's root is due now; the pager's retry at :30.
    expect(pointerOf(settled)).toEqual({
      at: at(1),
      oldest: at(1),
      slack_at: at(1),
      destinations_at: at(30),
    });
    expect(pointerOf({ ...settled, outbox: [] })).toEqual({
      at: at(30),
      oldest: at(1),
      destinations_at: at(30),
    });
    expect(pointerOf(boxAfter([failed(1)], null))).toEqual({ at: at(1) });
  });

  it('stays far below the 400 KB item limit with ten long destinations and a flapping job', () => {
    const long = Array.from({ length: 10 }, (_, i) => ({
      type: 'webhook' as const,
      url: `https://hooks.example.com/${String(i).repeat(2_000)}`.slice(0, 2_048),
      secret: `${i}`.repeat(256),
    }));
    let box: IncidentBox = EMPTY_BOX;
    for (let minute = 0; minute < 58; minute += 2) {
      for (const signal of [failed(minute), completed(minute + 1)]) {
        const step = nextIncidentState(box.tracker, 'job', signal, policy);
        box = withStep(
          box,
          step,
          {
            ...contextWith(long),
            opening: { ...contextWith(long).opening, error_message: 'x'.repeat(10_000) },
          },
          signal.at,
          null,
        ).box;
      }
    }
    const bytes = Buffer.byteLength(JSON.stringify(box));
    expect(bytes).toBeLessThan(250_000);
    // Each destination is kept once, however many incidents name it.
    expect(Object.keys(box.destination_table ?? {})).toHaveLength(10);
  });

  it('lets a destination’s secret go with the last incident that needs it', () => {
    let box = boxAfter([failed(1), completed(2)], [hook]);
    expect(JSON.stringify(box)).toContain(hook.secret);
    while ((box.destination_outbox ?? []).length > 0) {
      box = sendAll(box, ms(3), () => ({ type: 'done' }));
    }
    expect(JSON.stringify(box)).not.toContain(hook.secret);
    expect(box.destination_table).toEqual({});
  });
});

describe('destination rules', () => {
  const digest = (text: string) =>
    [...text]
      .reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) >>> 0, 7)
      .toString(16)
      .padStart(12, '0');
  it('fingerprints a destination by all of it, secret included, never showing it', () => {
    const a = destinationFingerprint(hook, digest);
    expect(a).toMatch(/^webhook:[0-9a-f]{12}$/);
    expect(destinationFingerprint({ ...hook }, digest)).toBe(a);
    expect(destinationFingerprint({ ...hook, secret: `${hook.secret}x` }, digest)).not.toBe(a);
    expect(a).not.toContain(hook.secret);
  });

  it('refuses webhook URLs with credentials, private hosts and the same destination twice', () => {
    const problems = destinationProblems(
      [
        { ...hook, url: 'https://user:pw@hooks.example.com/' },
        { ...hook, url: 'http://169.254.169.254/latest/meta-data' },
        { ...hook, url: 'http://[::1]:8080/' },
        pager,
        pager,
      ],
      { allowPrivate: false, field: 'destinations' },
    );
    expect(problems).toEqual([
      'destinations.0.url must not carry a user or password (the secret signs instead)',
      expect.stringMatching(/^destinations\.1\.url names a loopback, private or link-local host/),
      expect.stringMatching(/^destinations\.2\.url names a loopback/),
      'destinations.4 is the same destination as an earlier one',
    ]);
    expect(
      destinationProblems([{ ...hook, url: 'http://127.0.0.1:9/' }], {
        allowPrivate: true,
        field: 'destinations',
      }),
    ).toEqual([]);
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['100.64.0.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['[::1]', true],
    ['[fd00::1]', true],
    ['[fe80::1]', true],
    ['[::ffff:127.0.0.1]', true],
    ['8.8.8.8', false],
    ['hooks.example.com', false],
    ['[2606:4700::1111]', false],
    ['localhost.', true],
    ['api.localhost.', true],
    ['[::ffff:7f00:1]', true],
    ['[::ffff:808:808]', false],
    ['[::7f00:1]', true],
    ['[::127.0.0.1]', true],
    ['[64:ff9b::a9fe:a9fe]', true],
    ['[64:ff9b::808:808]', false],
    ['[2002:7f00:1::]', true],
    ['[2002:808:808::]', false],
    ['[ff02::1]', true],
    ['[::]', true],
    ['198.18.0.1', true],
    ['192.0.0.8', true],
    ['203.0.113.9', true],
    ['[fe80::1%eth0]', true],
    ['[1::2::3]', true],
    ['[::ffff:0:7f00:1]', true],
    ['[64:ff9b:1::a00:1]', true],
    ['[fec0::1]', true],
  ])('isPrivateHost(%s) is %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });
});
