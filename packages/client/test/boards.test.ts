// `schedmon boards apply|list|delete` and `schedmon status --board|--last` as real
// processes against the real api and worker on the local engines: the plan printed, the
// stored boards after it, files with problems (each named by its line) changing nothing.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoardView } from '@schedmon/domain';
import { boardView, settingsOf } from '@schedmon/domain';
import { useTestEnvironment, windowAroundNow } from '@schedmon/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Stack } from './stack.ts';
import { API_KEY, spawnCli, startStack } from './stack.ts';

const environment = useTestEnvironment();
const files = mkdtempSync(join(tmpdir(), 'schedmon-boards-test-'));

const FIRST = `# The first boards of the installation.
boards:
  - board_id: payments
    title: Payments EOD
    slack_channel_id: C0PAYMENTS
    timezone: Asia/Jakarta
    window_start: "00:00"
    window_end: "06:00"
    members:
      scheduler_ids: [payments-*]
  - board_id: ledger
    title: Ledger EOD
    slack_channel_id: C0LEDGER
    timezone: Europe/London
    window_start: "22:00"
    window_end: "04:00"
    update_every_minutes: 30
    members:
      services: [Ledger]
    quiet_dates: ["2026-12-25"]
`;

// payments: a new title and members; ledger gone; hr new.
const SECOND = `boards:
  - board_id: payments
    title: Payments night
    slack_channel_id: C0PAYMENTS
    timezone: Asia/Jakarta
    window_start: "00:00"
    window_end: "06:00"
    members:
      scheduler_ids: [payments-*, recon-eod]
  - board_id: hr
    title: HR
    slack_channel_id: C0HR
    timezone: UTC
    window_start: "01:00"
    window_end: "02:00"
    members:
      tags: [hr]
`;

function fileOf(name: string, text: string): string {
  const path = join(files, name);
  writeFileSync(path, text);
  return path;
}

describe('schedmon boards against the running stack', () => {
  let stack: Stack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack(environment());
    env = { SCHEDMON_URL: stack.baseUrl, SCHEDMON_API_KEY: API_KEY };
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(files, { recursive: true, force: true });
  });

  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const run = spawnCli(args, { ...env, ...extra });
    const exit = await run.exited;
    return { code: exit.code, stdout: run.stdout(), stderr: run.stderr() };
  };

  const stored = async (): Promise<BoardView[]> => {
    const listed = await stack.client.listBoards();
    if (!listed.ok) throw listed.error;
    return listed.value;
  };

  /** The stored boards' settings equal the file's boards, in any order. */
  async function expectStoredAs(text: string) {
    const wanted = (parse(text) as { boards: { board_id: string }[] }).boards
      .map((board) =>
        boardView(settingsOf(board.board_id, board as never), (text) =>
          createHash('sha256').update(text).digest('hex'),
        ),
      )
      .sort((a, b) => a.board_id.localeCompare(b.board_id));
    const have = (await stored()).map(
      ({ created_at: _c, updated_at: _u, ...settings }) => settings,
    );
    expect(have).toEqual(wanted);
  }

  it('applies a file: creates every board, the stored boards equal the file', async () => {
    const run = await cli(['boards', 'apply', fileOf('first.yaml', FIRST)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ create payments\n+ create ledger\n');
    expect(run.stdout).toContain('Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged.');
    expect(run.stdout).toContain('created payments\ncreated ledger\n');
    await expectStoredAs(FIRST);
  });

  it('applying the same file again says unchanged and changes nothing', async () => {
    const before = await stored();
    const run = await cli(['boards', 'apply', fileOf('first.yaml', FIRST)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `= unchanged payments\n= unchanged ledger\nNothing to change: the stored boards are those of ${join(files, 'first.yaml')}.\n`,
    );
    expect(await stored()).toEqual(before);
  });

  it('with --dry-run prints creates, updates and deletes, and changes nothing', async () => {
    const before = await stored();
    const run = await cli(['boards', 'apply', fileOf('second.yaml', SECOND), '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        '~ update payments: title, members',
        '+ create hr',
        '- delete ledger',
        'Plan: 1 to create, 1 to update, 1 to delete, 0 unchanged.',
        'Dry run: nothing was changed.',
        '',
      ].join('\n'),
    );
    expect(await stored()).toEqual(before);
  });

  it('without --dry-run carries the plan out: the stored boards equal the file', async () => {
    const run = await cli(['boards', 'apply', fileOf('second.yaml', SECOND)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('updated payments\ncreated hr\ndeleted ledger\n');
    await expectStoredAs(SECOND);
    const payments = (await stored()).find((board) => board.board_id === 'payments');
    // Replaced, not recreated.
    expect(payments && payments.created_at < payments.updated_at).toBe(true);
  });

  it.each<[string, string, (string | RegExp)[]]>([
    [
      'a schema problem',
      SECOND.replace(
        '    window_end: "02:00"\n',
        '    window_end: "02:00"\n    update_every_minutes: 5\n',
      ),
      [':16: board hr: update_every_minutes must be at least 15'],
    ],
    [
      'a semantic problem',
      SECOND.replace('timezone: UTC', 'timezone: Mars/Olympus'),
      [":13: board hr: timezone 'Mars/Olympus' is not an IANA time zone"],
    ],
    [
      'a quiet date that is not one',
      `${SECOND}    quiet_dates:\n      - "2026-12-24"\n      - "2026-02-30"\n`,
      [":20: board hr: quiet_dates: '2026-02-30' is not a calendar date"],
    ],
    [
      'an unknown field and a missing one',
      SECOND.replace('    title: HR\n', '    colour: red\n'),
      [':10: board hr: title is required', ':11: board hr: colour is not an accepted field'],
    ],
    [
      'a duplicate id',
      SECOND.replace('board_id: hr', 'board_id: payments'),
      [":10: board payments: board_id 'payments' is used twice: also by the board at line 2"],
    ],
    [
      'a YAML syntax error',
      SECOND.replace('    title: HR\n', '    title: [HR\n'),
      [/:1[1-8]: YAML: /],
    ],
    [
      'a key twice',
      SECOND.replace('    title: HR\n', '    title: HR\n    title: HR2\n'),
      [/:12: YAML: Map keys must be unique/],
    ],
    ['not a list', 'boards:\n  payments: {}\n', [':2: boards must be a list of boards']],
    ['no boards', '# nothing\n', [':1: the file needs `boards:`']],
    [
      'a board without its id, and a terminal escape',
      SECOND.replace('  - board_id: hr\n', '  - title2: "\\e[2J"\n'),
      [
        ':10: board 2: board_id is required in a boards file',
        ':10: board 2: title2 is not an accepted field',
      ],
    ],
  ])(
    'refuses a file with %s: exit 2, each problem with its line, nothing changed',
    async (_name, text, expected) => {
      const before = await stored();
      const path = fileOf('bad.yaml', text);
      const run = await cli(['boards', 'apply', path]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      for (const line of expected) {
        if (typeof line === 'string') expect(run.stderr).toContain(`${path}${line}`);
        else
          expect(run.stderr).toMatch(
            new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${line.source}`),
          );
      }
      expect(run.stderr).toContain('nothing was changed');
      expect(run.stderr).not.toContain('\u001b');
      expect(await stored()).toEqual(before);
    },
  );

  it("sets, reads and drops a scheduler's own destinations, never reading a secret back", async () => {
    const registered = await stack.client.register({
      scheduler_id: 'client-own-destinations',
      service_name: 'Client',
      job_name: 'Destinations',
    });
    expect(registered.ok).toBe(true);
    const secret = 'whsec-client-0123456789';
    const put = await stack.client.putSchedulerDestinations('client-own-destinations', [
      { type: 'webhook', url: 'https://hooks.example.com/in/T0KEN', secret },
    ]);
    if (!put.ok) throw put.error;
    expect(put.value.destinations).toEqual([
      {
        type: 'webhook',
        fingerprint: expect.stringMatching(/^webhook:[0-9a-f]{12}$/),
        origin: 'https://hooks.example.com',
      },
    ]);
    const read = await stack.client.getSchedulerDestinations('client-own-destinations');
    if (!read.ok) throw read.error;
    expect(JSON.stringify(read.value)).not.toContain(secret);
    expect(JSON.stringify(read.value)).not.toContain('T0KEN');
    expect((await stack.client.deleteSchedulerDestinations('client-own-destinations')).ok).toBe(
      true,
    );
    const gone = await stack.client.getSchedulerDestinations('client-own-destinations');
    expect(gone.ok ? 200 : gone.error.status).toBe(404);
    const none = await stack.client.incidentDeliveries('client-own-destinations#no-such-event');
    expect(none.ok ? 200 : none.error.status).toBe(404);
  });

  it('lists and deletes boards', async () => {
    const list = await cli(['boards', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('hr  "HR"  C0HR  01:00–02:00 UTC  every 60 min  members: tag:hr');
    const json = await cli(['boards', 'list', '--json']);
    expect((JSON.parse(json.stdout) as { boards: BoardView[] }).boards).toEqual(await stored());
    const deleted = await cli(['boards', 'delete', 'hr']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('Deleted board hr');
    const again = await cli(['boards', 'delete', 'hr']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('answered 404: Board hr not found');
    const usage = await cli(['boards', 'delete', 'a b']);
    expect(usage.code).toBe(2);
  });

  it('status --board shows the board’s members under its title, in its window', async () => {
    for (const [id, service] of [
      ['payments-eod', 'Payments'],
      ['recon-eod', 'Recon'],
      ['hr-payroll', 'HR'],
    ] as const) {
      const registered = await stack.client.register({
        scheduler_id: id,
        service_name: service,
        job_name: `Job of ${id}`,
      });
      expect(registered.ok).toBe(true);
    }
    const window = windowAroundNow();
    const board = {
      title: 'Payments right now',
      slack_channel_id: 'C0PAYMENTS',
      timezone: 'UTC',
      window_start: window.EOD_WINDOW_START ?? '00:00',
      window_end: window.EOD_WINDOW_END ?? '02:00',
      members: { scheduler_ids: ['payments-*', 'recon-eod'] },
    };
    expect((await stack.client.putBoard('payments', board)).ok).toBe(true);
    // The EOD_* window is elsewhere: the board's own is used.
    const farAway = {
      EOD_TIMEZONE: 'UTC',
      EOD_WINDOW_START: window.EOD_WINDOW_END ?? '',
      EOD_WINDOW_END: window.EOD_WINDOW_START ?? '',
    };
    const run = await cli(['status', '--board', 'payments'], farAway);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Payments right now');
    expect(run.stdout).toContain('Job of payments-eod');
    expect(run.stdout).toContain('Job of recon-eod');
    expect(run.stdout).not.toContain('Job of hr-payroll');
    expect(run.stdout).not.toContain('opens at');

    // The default board holds the rest, in the EOD_* window, which opens later.
    const rest = await cli(['status', '--board', 'default'], farAway);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain('Job of hr-payroll');
    expect(rest.stdout).not.toContain('Job of payments-eod');
    expect(rest.stdout).toMatch(
      /^The night of \d{1,2} [A-Z][a-z]{2} opens at \d\d:\d\d UTC, in (\d+ h )?\d+ min\.\n\n/,
    );

    const unknown = await cli(['status', '--board', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Board nope not found');
  });

  it('status --last shows last night’s final table', async () => {
    const run = await cli(['status', '--board', 'payments', '--last']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Payments right now');
    expect(run.stdout).not.toContain('opens at');
    // Registered tonight: not in last night's table.
    expect(run.stdout).not.toContain('Job of payments-eod');
  });
});
