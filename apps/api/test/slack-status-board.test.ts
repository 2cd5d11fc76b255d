// `/schedmon status [board]` (docs/boards.md): one board's table (its members, window,
// zone and title), the default board without an argument, and a clear answer to a board
// that does not exist. The Slack app around it is in slack-app.test.ts.
import { boardOf, DEFAULT_EOD_CONFIG, defaultBoardOf, uiLinksOf } from '@schedmon/domain';
import {
  createMemoryBoardStore,
  createMemoryHistoryStore,
  createMemoryIncidentStore,
  createMemorySchedulerStore,
} from '@schedmon/domain/fakes';
import { describe, expect, it } from 'vitest';
import { answerCommand } from '../src/slack/commands.ts';

const NOW = '2026-01-15T01:00:00.000Z';
const NOW_MS = Date.parse(NOW);

async function fixture() {
  const schedulers = createMemorySchedulerStore();
  for (const [id, service] of [
    ['payments-eod', 'Payments'],
    ['ledger-close', 'Ledger'],
    ['hr-payroll', 'HR'],
  ] as const) {
    await schedulers.register(
      { scheduler_id: id, service_name: service, job_name: `Job of ${id}` },
      NOW,
    );
  }
  const boards = createMemoryBoardStore();
  await boards.put(
    boardOf(
      'payments',
      {
        title: 'Payments EOD',
        slack_channel_id: 'C0PAY',
        timezone: 'Europe/London',
        window_start: '00:30',
        window_end: '05:00',
        members: { scheduler_ids: ['payments-*'], services: ['Ledger'] },
      },
      NOW,
    ),
    NOW,
  );
  return {
    schedulers,
    history: createMemoryHistoryStore(),
    incidents: createMemoryIncidentStore(),
    eod: DEFAULT_EOD_CONFIG,
    boards,
    defaultBoard: defaultBoardOf(DEFAULT_EOD_CONFIG, 'C0DEFAULT'),
  };
}

describe('/schedmon status [board]', () => {
  it('shows the board’s members under its title, in its zone', async () => {
    const answer = await answerCommand(await fixture(), 'status payments', NOW_MS);
    expect(answer.text).toContain('Payments EOD');
    expect(answer.text).toContain('GMT');
    expect(answer.text).toContain('Job of payments-eod');
    expect(answer.text).toContain('Job of ledger-close');
    expect(answer.text).not.toContain('Job of hr-payroll');
  });

  it('shows the default board without an argument: the schedulers no board names', async () => {
    const answer = await answerCommand(await fixture(), 'status', NOW_MS);
    expect(answer.text).toContain('EOD Process Status');
    expect(answer.text).toContain('Job of hr-payroll');
    expect(answer.text).not.toContain('Job of payments-eod');
  });

  it('links each row’s job name to its scheduler’s page when UI_PUBLIC_URL is set', async () => {
    const links = uiLinksOf('https://schedmon.example.com/');
    const answer = await answerCommand({ ...(await fixture()), links }, 'status payments', NOW_MS);
    expect(JSON.stringify(answer.blocks)).toContain(
      '"url":"https://schedmon.example.com/ui/schedulers/payments-eod"',
    );
    const plain = await answerCommand(await fixture(), 'status payments', NOW_MS);
    expect(JSON.stringify(plain.blocks)).not.toContain('/ui/schedulers/');
  });

  it('shows every scheduler on the default board without a board store', async () => {
    const { boards: _boards, ...deps } = await fixture();
    const answer = await answerCommand(deps, 'status default', NOW_MS);
    expect(answer.text).toContain('Job of hr-payroll');
    expect(answer.text).toContain('Job of payments-eod');
  });

  it.each([
    ['an unknown board', 'status nope', 'No board `nope`. Boards: `default`, `payments`.'],
    ['a board id of another shape', 'status <!channel>', 'No board `'],
  ])('answers %s with the board ids there are', async (_name, text, expected) => {
    const answer = await answerCommand(await fixture(), text, NOW_MS);
    expect(answer.text).toContain(expected);
    expect(answer.text).not.toContain('<!channel>');
  });
});
