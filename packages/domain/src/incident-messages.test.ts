import { describe, expect, it } from 'vitest';
import type { IncidentMessageInput } from './incident-messages.ts';
import {
  INCIDENT_ACKNOWLEDGE_ACTION,
  renderIncidentFollowUp,
  renderIncidentReminder,
  renderIncidentResolved,
  renderIncidentRoot,
  renderMonitorGap,
} from './incident-messages.ts';
import type { Incident, IncidentKind } from './incidents.ts';
import { INCIDENT_KINDS } from './incidents.ts';
import type { SlackMessage } from './ports.ts';
import { MESSAGE_BUDGET } from './slack-blocks.ts';
import { formatElapsed } from './slack-times.ts';
import { controlSequences, expectValid, HOSTILE, sectionTexts } from './test-helpers.ts';
import { uiLinksOf } from './ui-links.ts';

const JAKARTA = 'Asia/Jakarta';
const LONDON = 'Europe/London';

// 01:10 WIB on 15 Jan 2026.
const OPENED = '2026-01-14T18:10:00.000Z';

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    incident_id: 'eod-process#deadline-1',
    scheduler_id: 'eod-process',
    kind: 'missed',
    state: 'open',
    opened_at: OPENED,
    updated_at: OPENED,
    resolved_at: null,
    events: 1,
    acknowledged_by: null,
    acknowledged_at: null,
    ...overrides,
  };
}

const NO_OPENING: IncidentMessageInput['opening'] = {
  at: OPENED,
  expected_at: null,
  grace_seconds: null,
  error_message: null,
  execution_time_ms: null,
  min_runtime_seconds: null,
  max_runtime_seconds: null,
  started_at: null,
  last_signal_at: null,
  failures_in_row: null,
};

function input(
  overrides: {
    incident?: Partial<Incident>;
    scheduler?: Partial<IncidentMessageInput['scheduler']>;
    opening?: Partial<IncidentMessageInput['opening']>;
    timeZone?: string;
  } = {},
): IncidentMessageInput {
  return {
    incident: incident(overrides.incident),
    scheduler: {
      scheduler_id: 'eod-process',
      service_name: 'Service A',
      job_name: 'EOD Process',
      alert_user_id: 'U123',
      ...overrides.scheduler,
    },
    timeZone: overrides.timeZone ?? JAKARTA,
    opening: { ...NO_OPENING, ...overrides.opening },
  };
}

// What each kind's opening signal carries.
const OPENINGS: Record<IncidentKind, Partial<IncidentMessageInput['opening']>> = {
  missed: { expected_at: '2026-01-14T18:00:00.000Z', grace_seconds: 600 },
  failed: { error_message: 'disk full', execution_time_ms: 15_000 },
  overrun: { started_at: '2026-01-14T17:31:00.000Z', max_runtime_seconds: 3_600 },
  stale: { started_at: '2026-01-14T17:31:00.000Z', last_signal_at: '2026-01-14T17:56:00.000Z' },
  too_fast: { execution_time_ms: 2_000, min_runtime_seconds: 60 },
};

const HEADLINES: Record<IncidentKind, string> = {
  missed: '❗ Missed: expected 01:00 WIB, no start by 01:10',
  failed: '❌ Failed at 01:10 WIB',
  overrun: '⏱ Overrunning: running since 00:31 WIB, past its 1 h limit',
  stale: '⚠️ Stale: no heartbeat since 00:56 WIB',
  too_fast: '🐇 Too fast: completed in 2.0 s at 01:10 WIB, under its 1 min minimum',
};

function kindInput(kind: IncidentKind, overrides: Parameters<typeof input>[0] = {}) {
  return input({
    ...overrides,
    incident: { kind, ...overrides.incident },
    opening: { ...OPENINGS[kind], ...overrides.opening },
  });
}

/** All text of a message: blocks and fallback. */
function allText(message: SlackMessage): string {
  return JSON.stringify(message);
}

type Button = { type: string; action_id: string; value: string; style: string; text: unknown };

function buttons(message: SlackMessage): Button[] {
  return message.blocks
    .filter((block) => block.type === 'actions')
    .flatMap((block) => block.elements as Button[]);
}

function contextTexts(message: SlackMessage): string[] {
  return message.blocks
    .filter((block) => block.type === 'context')
    .flatMap((block) => (block.elements as { text: string }[]).map((element) => element.text));
}

/** Every mention that pages someone: a user, a user group, a broadcast. */
function mentions(message: SlackMessage): string[] {
  return controlSequences(message).filter(
    (sequence) => sequence.startsWith('<@') || sequence.startsWith('<!'),
  );
}

describe('renderIncidentRoot', () => {
  it.each(INCIDENT_KINDS)('opens a %s incident with its headline, subject and button', (kind) => {
    const message = renderIncidentRoot(kindInput(kind));
    expectValid([message]);
    const [first] = sectionTexts(message);
    expect(first).toBe(`*${HEADLINES[kind]}*\nService A › EOD Process\ncc <@U123>`);
    expect(message.text.startsWith(HEADLINES[kind])).toBe(true);
    expect(message.text).toContain('Service A › EOD Process (eod-process)');
    expect(message.text).toContain('cc <@U123>');
    expect(allText(message)).toContain('*Scheduler id*\\n`eod-process`');
    expect(allText(message)).toContain('*Opened at*\\n15 Jan 2026 01:10 WIB');
    expect(buttons(message)).toEqual([
      {
        type: 'button',
        action_id: INCIDENT_ACKNOWLEDGE_ACTION,
        text: { type: 'plain_text', text: 'Acknowledge', emoji: true },
        value: 'eod-process#deadline-1',
        style: 'primary',
      },
    ]);
  });

  it('uses the action id the api listens for', () => {
    expect(INCIDENT_ACKNOWLEDGE_ACTION).toBe('incident_acknowledge');
  });

  it('shows execution time and the escaped error of a failure, and how many in a row', () => {
    const message = renderIncidentRoot(
      kindInput('failed', { opening: { error_message: 'a < b & c', failures_in_row: 3 } }),
    );
    expect(sectionTexts(message)[0]).toContain('❌ Failed at 01:10 WIB — 3rd failure in a row');
    expect(allText(message)).toContain('*Execution time*\\n15.0 s');
    expect(sectionTexts(message)).toContain('*Error*\n```a &lt; b &amp; c```');
    expect(message.text).toContain(': a &lt; b &amp; c');
    expectValid([message]);
  });

  it.each([
    [2, '2nd'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [23, '23rd'],
    [101, '101st'],
  ])('writes %i failures in a row as %s', (count, ordinal) => {
    const message = renderIncidentRoot(
      kindInput('failed', { opening: { failures_in_row: count } }),
    );
    expect(message.text).toContain(`${ordinal} failure in a row`);
  });

  it('does not count a first failure in a row', () => {
    const message = renderIncidentRoot(kindInput('failed', { opening: { failures_in_row: 1 } }));
    expect(message.text).not.toContain('in a row');
  });

  it('says so when a failure reported no error', () => {
    const message = renderIncidentRoot(kindInput('failed', { opening: { error_message: null } }));
    expect(sectionTexts(message)).toContain('*Error*\n_No error message was reported._');
  });

  it('headlines the current kind after an escalation', () => {
    // Opened as stale, now failed: the headline follows the incident's kind.
    const message = renderIncidentRoot(
      kindInput('stale', { incident: { kind: 'failed', events: 2 } }),
    );
    expect(message.text.startsWith('❌ Failed')).toBe(true);
    expect(allText(message)).toContain('*Events*\\n2');
  });

  it('falls back to the opening time when a kind’s details are missing', () => {
    const missed = renderIncidentRoot(input({ incident: { kind: 'missed' } }));
    expect(missed.text.startsWith('❗ Missed: no start by 01:10 WIB')).toBe(true);
    const overrun = renderIncidentRoot(input({ incident: { kind: 'overrun' } }));
    expect(overrun.text.startsWith('⏱ Overrunning since 01:10 WIB')).toBe(true);
    const stale = renderIncidentRoot(input({ incident: { kind: 'stale' } }));
    expect(stale.text.startsWith('⚠️ Stale since 01:10 WIB')).toBe(true);
    const tooFast = renderIncidentRoot(input({ incident: { kind: 'too_fast' } }));
    expect(tooFast.text.startsWith('🐇 Too fast: completed at 01:10 WIB')).toBe(true);
  });

  it('once acknowledged: no button, no mention, who and when', () => {
    const message = renderIncidentRoot(
      kindInput('missed', {
        incident: {
          state: 'acknowledged',
          acknowledged_by: 'U999',
          acknowledged_at: '2026-01-14T18:14:00.000Z',
        },
      }),
    );
    expectValid([message]);
    expect(buttons(message)).toEqual([]);
    expect(contextTexts(message)).toContain('👀 Acknowledged by <@U999> at 01:14 WIB');
    expect(message.text).toContain('👀 Acknowledged by <@U999> at 01:14 WIB');
    expect(allText(message)).not.toContain('U123');
    // The acknowledger, in the blocks and the fallback; never the alert recipient.
    expect(mentions(message)).toEqual(['<@U999>', '<@U999>']);
  });

  it('shows an acknowledger that is not a Slack user as escaped text, never a mention', () => {
    for (const by of ['api:ops', 'S0GROUP1', '<!channel>', '<@U123>', 'a & b', '']) {
      const message = renderIncidentRoot(
        input({
          incident: { state: 'acknowledged', acknowledged_by: by, acknowledged_at: OPENED },
        }),
      );
      expect(mentions(message)).toEqual([]);
      expectValid([message]);
    }
    const apiKey = renderIncidentRoot(
      input({
        incident: { state: 'acknowledged', acknowledged_by: 'api:ops', acknowledged_at: OPENED },
      }),
    );
    expect(contextTexts(apiKey)).toContain('👀 Acknowledged by `api:ops` at 01:10 WIB');
  });

  it('once resolved: the headline says so, how long it lasted, no button, no mention', () => {
    const message = renderIncidentRoot(
      kindInput('missed', {
        incident: { state: 'resolved', resolved_at: '2026-01-14T19:41:00.000Z' },
      }),
    );
    expectValid([message]);
    expect(sectionTexts(message)[0]).toBe(
      '*✅ Resolved — ❗ Missed: expected 01:00 WIB, no start by 01:10*\nService A › EOD Process',
    );
    expect(contextTexts(message)).toEqual(['Recovered at 02:41 WIB after 1 h 31 min']);
    expect(message.text.startsWith('✅ Resolved — ❗ Missed')).toBe(true);
    expect(message.text).toContain('Recovered at 02:41 WIB after 1 h 31 min');
    expect(buttons(message)).toEqual([]);
    expect(mentions(message)).toEqual([]);
  });

  it('keeps the acknowledgement on a resolved root', () => {
    const message = renderIncidentRoot(
      input({
        incident: {
          state: 'resolved',
          resolved_at: '2026-01-14T19:41:00.000Z',
          acknowledged_by: 'api:ops',
          acknowledged_at: '2026-01-14T18:14:00.000Z',
        },
      }),
    );
    expect(contextTexts(message)).toEqual([
      '👀 Acknowledged by `api:ops` at 01:14 WIB',
      'Recovered at 02:41 WIB after 1 h 31 min',
    ]);
  });

  it.each([
    ['U123', '<@U123>'],
    ['W0ENTERPRISE', '<@W0ENTERPRISE>'],
    ['S0OPS', '<!subteam^S0OPS>'],
  ])('mentions %s as %s while open', (id, mention) => {
    const message = renderIncidentRoot(input({ scheduler: { alert_user_id: id } }));
    expect(mentions(message)).toEqual([mention, mention]);
    expect(message.text).toContain(`cc ${mention}`);
  });

  it.each([null, '', 'u123', 'X123', '<!channel>', 'U123> <!here', '@here'])(
    'mentions nobody for alert_user_id %j',
    (id) => {
      const message = renderIncidentRoot(input({ scheduler: { alert_user_id: id } }));
      expect(mentions(message)).toEqual([]);
      expect(message.text).not.toContain('cc ');
      expectValid([message]);
    },
  );

  it('escapes hostile names and errors so they cannot mention, link or break the layout', () => {
    const message = renderIncidentRoot(
      kindInput('failed', {
        scheduler: {
          service_name: HOSTILE,
          job_name: `job\n> quoted\u0000\u202E ${HOSTILE}`,
          scheduler_id: `id-${HOSTILE}`,
          alert_user_id: null,
        },
        opening: { error_message: `${HOSTILE}\n\`\`\`\nclose the block` },
      }),
    );
    expectValid([message]);
    expect(mentions(message)).toEqual([]);
    expect(controlSequences(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp;lt;');
    expect(text).not.toContain('\\u0000');
    expect(text).not.toContain('\u202E');
    expect(sectionTexts(message)[0]?.split('\n')).toHaveLength(2);
    // The error's backticks cannot close the code block early.
    const error = sectionTexts(message).find((section) => section.startsWith('*Error*'));
    expect(error?.match(/```/g)).toHaveLength(2);
  });

  it('cuts a 10 KB error and 255-char names, within every block limit', () => {
    const message = renderIncidentRoot(
      kindInput('failed', {
        scheduler: {
          service_name: 's'.repeat(255),
          job_name: 'j'.repeat(255),
          scheduler_id: 'i'.repeat(255),
        },
        incident: { incident_id: `${'i'.repeat(255)}#${'e'.repeat(44)}` },
        opening: { error_message: `boom ${'&<>'.repeat(3_400)}` },
      }),
    );
    expectValid([message]);
    for (const section of sectionTexts(message)) {
      expect(section.length).toBeLessThanOrEqual(3_000);
    }
    const error = sectionTexts(message).find((section) => section.startsWith('*Error*'));
    expect(error).toContain('…```');
    expect(error?.length).toBeLessThan(1_100);
    for (const button of buttons(message)) expect(button.value.length).toBeLessThanOrEqual(2_000);
  });

  it('refuses an incident id too long for a button value', () => {
    expect(() =>
      renderIncidentRoot(input({ incident: { incident_id: 'x'.repeat(2_001) } })),
    ).toThrow(RangeError);
  });

  it('throws a RangeError for an unknown zone', () => {
    expect(() => renderIncidentRoot(input({ timeZone: 'Mars/Olympus' }))).toThrow(RangeError);
  });

  it('names the zone at each instant, across DST in Europe/London', () => {
    const winter = renderIncidentRoot(
      input({
        timeZone: LONDON,
        opening: { expected_at: '2026-01-15T01:00:00.000Z', grace_seconds: 600 },
      }),
    );
    expect(winter.text.startsWith('❗ Missed: expected 01:00 GMT, no start by 01:10')).toBe(true);
    const summer = renderIncidentRoot(
      input({
        timeZone: LONDON,
        incident: { opened_at: '2026-07-15T00:10:00.000Z' },
        opening: { expected_at: '2026-07-15T00:00:00.000Z', grace_seconds: 600 },
      }),
    );
    expect(summer.text.startsWith('❗ Missed: expected 01:00 BST, no start by 01:10')).toBe(true);
    expect(allText(summer)).toContain('15 Jul 2026 01:10 BST');
    // Spring forward (29 Mar 2026, 01:00 UTC): expected before, deadline after.
    const spring = renderIncidentRoot(
      input({
        timeZone: LONDON,
        incident: { opened_at: '2026-03-29T01:20:00.000Z' },
        opening: { expected_at: '2026-03-29T00:50:00.000Z', grace_seconds: 1_800 },
      }),
    );
    expect(spring.text.startsWith('❗ Missed: expected 00:50 GMT, no start by 02:20 BST')).toBe(
      true,
    );
  });
});

describe('renderIncidentRoot with links (UI_PUBLIC_URL)', () => {
  const links = uiLinksOf('https://schedmon.example.com/ops/');
  const PAGES =
    '<https://schedmon.example.com/ops/ui/schedulers/eod-process|View scheduler> · ' +
    '<https://schedmon.example.com/ops/ui/incidents/eod-process%23deadline-1|View incident>';
  const linked = (overrides: Parameters<typeof input>[0] = {}) => ({ ...input(overrides), links });

  it('links the open root to the scheduler and the incident page, last', () => {
    const message = renderIncidentRoot(linked());
    expectValid([message]);
    expect(message.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: PAGES, verbatim: true }],
    });
    // Everything else, the fallback included, is as without links.
    const plain = renderIncidentRoot(input());
    expect(message.text).toBe(plain.text);
    expect(message.blocks.slice(0, -1)).toEqual(plain.blocks);
  });

  it('keeps the links when the root is redrawn acknowledged and resolved', () => {
    const acknowledged = renderIncidentRoot(
      linked({
        incident: {
          state: 'acknowledged',
          acknowledged_by: 'U0OPS',
          acknowledged_at: '2026-01-14T18:14:00.000Z',
        },
      }),
    );
    const resolved = renderIncidentRoot(
      linked({ incident: { state: 'resolved', resolved_at: '2026-01-14T19:41:00.000Z' } }),
    );
    expect(contextTexts(acknowledged)).toEqual(['👀 Acknowledged by <@U0OPS> at 01:14 WIB', PAGES]);
    expect(contextTexts(resolved)).toEqual(['Recovered at 02:41 WIB after 1 h 31 min', PAGES]);
    expectValid([acknowledged, resolved]);
  });

  it('adds no link to the thread replies', () => {
    const withLinks = linked();
    expect(renderIncidentResolved(withLinks, 60_000)).toEqual(
      renderIncidentResolved(input(), 60_000),
    );
    expect(renderIncidentReminder(withLinks, 60)).toEqual(renderIncidentReminder(input(), 60));
  });

  it('percent-encodes hostile ids: no id can end a link, add one or mention', () => {
    const message = renderIncidentRoot(
      linked({
        incident: { incident_id: 'x&y|<!channel>>#1', scheduler_id: 'a|b>c' },
        scheduler: { scheduler_id: 'a|b>c', service_name: HOSTILE, job_name: HOSTILE },
      }),
    );
    expectValid([message]);
    const pages = contextTexts(message).at(-1);
    expect(pages).toBe(
      '<https://schedmon.example.com/ops/ui/schedulers/a%7Cb%3Ec|View scheduler> · ' +
        '<https://schedmon.example.com/ops/ui/incidents/x%26y%7C%3C!channel%3E%3E%231|View incident>',
    );
    // Exactly the two links: each `<…>` holds one url and its label.
    expect(controlSequences(pages)).toEqual([
      '<https://schedmon.example.com/ops/ui/schedulers/a%7Cb%3Ec|View scheduler>',
      '<https://schedmon.example.com/ops/ui/incidents/x%26y%7C%3C!channel%3E%3E%231|View incident>',
    ]);
    // What Slack parses (the button's value is not) pages the alert recipient only.
    const parsed = {
      ...message,
      blocks: message.blocks.filter((block) => block.type !== 'actions'),
    };
    expect(mentions(parsed)).toEqual(['<@U123>', '<@U123>']);
  });

  it('writes `&` of a configured url as `&amp;`, and leaves out a url that would break a link', () => {
    const query = renderIncidentRoot({
      ...input(),
      links: uiLinksOf('https://x.example/?a=1&b=2'),
    });
    expect(contextTexts(query).at(-1)).toBe(
      '<https://x.example/?a=1&amp;b=2/ui/schedulers/eod-process|View scheduler> · ' +
        '<https://x.example/?a=1&amp;b=2/ui/incidents/eod-process%23deadline-1|View incident>',
    );
    for (const base of [
      'https://x.example/a|b',
      'https://x.example/a>b',
      `https://x.example/${'p'.repeat(2_900)}`,
    ]) {
      const message = renderIncidentRoot({ ...input(), links: uiLinksOf(base) });
      expect(message).toEqual(renderIncidentRoot(input()));
    }
  });
});

describe('renderIncidentFollowUp', () => {
  const AT = '2026-01-14T18:32:00.000Z'; // 01:32 WIB

  it('says a problem repeated, with the number of events', () => {
    const message = renderIncidentFollowUp(
      kindInput('failed', { incident: { events: 4 } }),
      { type: 'repeated', kind: 'failed' },
      AT,
    );
    expect(sectionTexts(message)).toEqual(['❌ Failed again at 01:32 WIB (4 events)']);
    expect(message.text).toBe('❌ Failed again at 01:32 WIB (4 events) — Service A › EOD Process');
    expectValid([message]);
  });

  it('says an escalation, from which kind to which', () => {
    const message = renderIncidentFollowUp(
      kindInput('failed', { incident: { events: 2 } }),
      { type: 'escalated', from: 'overrun', to: 'failed' },
      AT,
    );
    expect(sectionTexts(message)).toEqual(['⬆️ Now failed (was overrunning) at 01:32 WIB']);
  });

  it('says how late a missed job started', () => {
    const message = renderIncidentFollowUp(
      kindInput('missed'),
      { type: 'started_late', late_ms: 37 * 60_000 + 12_000 },
      '2026-01-14T18:47:00.000Z',
    );
    expect(sectionTexts(message)).toEqual(['▶️ Started 37 min late, at 01:47 WIB']);
  });

  it('says who acknowledged, a non-Slack acknowledger as text', () => {
    const user = renderIncidentFollowUp(
      input(),
      { type: 'acknowledged', user_id: 'U999' },
      '2026-01-14T18:14:00.000Z',
    );
    expect(sectionTexts(user)).toEqual(['👀 Acknowledged by <@U999> at 01:14 WIB']);
    const key = renderIncidentFollowUp(
      input(),
      { type: 'acknowledged', user_id: '<!here> api:ops' },
      OPENED,
    );
    expect(sectionTexts(key)).toEqual(['👀 Acknowledged by `&lt;!here&gt; api:ops` at 01:10 WIB']);
    expect(mentions(key)).toEqual([]);
  });

  it('never mentions the alert recipient, whatever the reason', () => {
    const reasons = [
      { type: 'repeated', kind: 'stale' },
      { type: 'escalated', from: 'missed', to: 'too_fast' },
      { type: 'started_late', late_ms: 45_000 },
      { type: 'acknowledged', user_id: 'api:ops' },
    ] as const;
    for (const alert_user_id of ['U123', 'S0OPS']) {
      for (const reason of reasons) {
        const message = renderIncidentFollowUp(
          input({ scheduler: { alert_user_id, service_name: HOSTILE } }),
          reason,
          AT,
        );
        expect(mentions(message)).toEqual([]);
        expectValid([message]);
      }
    }
  });
});

describe('renderIncidentResolved', () => {
  it('says when it recovered and after how long, without a mention', () => {
    const message = renderIncidentResolved(
      input({ incident: { state: 'resolved', resolved_at: '2026-01-14T19:13:00.000Z' } }),
      91 * 60_000,
    );
    expect(sectionTexts(message)).toEqual(['✅ Recovered at 02:13 WIB after 1 h 31 min']);
    expect(message.text).toContain('✅ Recovered at 02:13 WIB after 1 h 31 min');
    expect(mentions(message)).toEqual([]);
    expectValid([message]);
  });
});

describe('renderIncidentReminder', () => {
  it('mentions the alert recipient: the one follow-up that does', () => {
    const message = renderIncidentReminder(input(), 60);
    expect(sectionTexts(message)).toEqual(['⏰ Still unacknowledged after 1 h — <@U123>']);
    expect(message.text).toContain('<@U123>');
    const group = renderIncidentReminder(input({ scheduler: { alert_user_id: 'S0OPS' } }), 90);
    expect(sectionTexts(group)).toEqual([
      '⏰ Still unacknowledged after 1 h 30 min — <!subteam^S0OPS>',
    ]);
    expectValid([message, group]);
  });

  it('mentions nobody without a valid alert id', () => {
    for (const id of [null, '<!channel>', 'bogus']) {
      const message = renderIncidentReminder(input({ scheduler: { alert_user_id: id } }), 60);
      expect(sectionTexts(message)).toEqual(['⏰ Still unacknowledged after 1 h']);
      expect(mentions(message)).toEqual([]);
    }
  });
});

describe('renderMonitorGap', () => {
  it('says what was not watched and that nobody was paged', () => {
    const message = renderMonitorGap({
      from: '2026-01-14T18:00:00.000Z',
      to: '2026-01-14T18:30:00.000Z',
      deadlines: 200,
      timeZone: JAKARTA,
    });
    expect(sectionTexts(message)).toEqual([
      '🛰️ schedmon was not watching from 01:00 to 01:30 WIB: 200 deadlines in that time were ' +
        'not checked and are recorded as unknown — nobody was paged for them.',
    ]);
    expect(message.text).toBe(sectionTexts(message)[0]);
    expect(mentions(message)).toEqual([]);
    expectValid([message]);
  });

  it('writes one deadline, none, and many', () => {
    const gap = (deadlines: number) =>
      renderMonitorGap({
        from: '2026-01-14T18:00:00.000Z',
        to: '2026-01-14T18:30:00.000Z',
        deadlines,
        timeZone: JAKARTA,
      }).text;
    expect(gap(1)).toContain(
      ': 1 deadline in that time was not checked and is recorded as unknown — nobody was paged for it.',
    );
    expect(gap(0)).toBe(
      '🛰️ schedmon was not watching from 01:00 to 01:30 WIB; no deadline fell in that time.',
    );
    expect(gap(100_000)).toContain(': 100,000 deadlines');
  });

  it('names both zones across DST and both dates across midnight', () => {
    const spring = renderMonitorGap({
      from: '2026-03-29T00:30:00.000Z',
      to: '2026-03-29T01:30:00.000Z',
      deadlines: 3,
      timeZone: LONDON,
    });
    expect(spring.text).toContain('from 00:30 GMT to 02:30 BST:');
    const long = renderMonitorGap({
      from: '2026-01-14T16:30:00.000Z',
      to: '2026-01-14T17:30:00.000Z',
      deadlines: 3,
      timeZone: JAKARTA,
    });
    expect(long.text).toContain('from 14 Jan 2026 23:30 to 15 Jan 2026 00:30 WIB:');
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0 s'],
    [999, '0 s'],
    [45_000, '45 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [37 * 60_000 + 59_000, '37 min'],
    [59 * 60_000, '59 min'],
    [60 * 60_000, '1 h'],
    [91 * 60_000, '1 h 31 min'],
    [23 * 3_600_000 + 59 * 60_000, '23 h 59 min'],
    [24 * 3_600_000, '1 d'],
    [51 * 3_600_000 + 30 * 60_000, '2 d 3 h'],
    [-1, '?'],
    [Number.NaN, '?'],
    [Number.POSITIVE_INFINITY, '?'],
  ])('formats %d ms as %s', (ms, expected) => {
    expect(formatElapsed(ms)).toBe(expected);
  });
});

describe('message limits', () => {
  it('keeps every message within the budget Slack allows', () => {
    expect(MESSAGE_BUDGET.maxSectionChars).toBeLessThanOrEqual(3_000);
    const hostile = input({
      scheduler: { service_name: 'x'.repeat(255), job_name: HOSTILE, alert_user_id: 'U123' },
      opening: { ...OPENINGS.failed, error_message: 'e'.repeat(10_000) },
      incident: { kind: 'failed', events: 1_000_000 },
    });
    expectValid([
      renderIncidentRoot(hostile),
      renderIncidentFollowUp(hostile, { type: 'repeated', kind: 'failed' }, OPENED),
      renderIncidentResolved(hostile, 1),
      renderIncidentReminder(hostile, 10_000),
    ]);
  });
});
