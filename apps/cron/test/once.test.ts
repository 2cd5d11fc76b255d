// `cron once <action> --at <instant>`: the real process on the real engine.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDocumentClient, createDynamoSchedulerStore } from '@schedmon/adapters/dynamodb';
import { startFakeSlack } from '@schedmon/fake-slack';
import { useTestEnvironment } from '@schedmon/testing';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const environment = useTestEnvironment();

function runOnce(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [main, 'once', ...args], {
      env: {
        PATH: process.env.PATH,
        ...environment().env,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cron once', () => {
  it('posts tonight’s table as of --at and prints what it did', async () => {
    const slack = await startFakeSlack();
    try {
      const env = {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_CHANNEL_ID: 'C0EOD',
        SLACK_API_URL: slack.url,
      };
      const result = await runOnce(['post', '--at', '2026-01-15T00:00:00+07:00'], env);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        action: 'post',
        businessDate: '2026-01-15',
      });
      const [post] = slack.callsOf('chat.postMessage');
      expect(JSON.stringify(post?.body)).toContain('night of 15 Jan 2026 · 15 Jan 00:00 WIB');
    } finally {
      await slack.stop();
    }
  });

  it('links the table’s job names to their scheduler pages and the summary to the report, with UI_PUBLIC_URL', async () => {
    const documents = createDocumentClient(environment().clients.dynamodb);
    const schedulers = createDynamoSchedulerStore(documents, environment().names.schedulersTable);
    await schedulers.register(
      { scheduler_id: 'linked.job:1', service_name: 'Linked', job_name: 'Nightly export' },
      '2026-02-09T12:00:00.000Z',
    );
    const slack = await startFakeSlack();
    try {
      const env = {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_CHANNEL_ID: 'C0EOD',
        SLACK_API_URL: slack.url,
        UI_PUBLIC_URL: 'https://schedmon.example.com',
      };
      const result = await runOnce(['final', '--at', '2026-02-10T06:00:00+07:00'], env);
      expect(result.code, result.stderr).toBe(0);
      // The final edit had no table to edit, so it posted one; then the summary.
      const [table, summary] = slack.callsOf('chat.postMessage').map((call) => call.body);
      type Block = { type: string; rows?: unknown[][]; elements?: { text?: string }[] };
      const blocksOf = (body: Record<string, unknown> | undefined) =>
        (body?.blocks ?? []) as Block[];
      const tableBlock = blocksOf(table).find((block) => block.type === 'table');
      const row = tableBlock?.rows?.find((cells) => JSON.stringify(cells).includes('Linked'));
      expect(row?.[1]).toEqual({
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              {
                type: 'link',
                url: 'https://schedmon.example.com/ui/schedulers/linked.job%3A1',
                text: 'Nightly export',
              },
            ],
          },
        ],
      });
      expect(row?.[0]).toEqual({ type: 'raw_text', text: 'Linked' });
      expect(String(table?.text)).not.toContain('https://');
      expect(blocksOf(summary).at(-1)).toEqual({
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: '📈 <https://schedmon.example.com/ui/reports?board=default&amp;days=7|7-day report>',
            verbatim: true,
          },
        ],
      });
    } finally {
      await slack.stop();
    }
  });

  it('refuses an unknown action or instant with usage, exit 2', async () => {
    const unknown = await runOnce(['dance'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: cron once <post|update|final|sweep|weekly-report>');
    const badInstant = await runOnce(['post', '--at', 'tomorrow'], {});
    expect(badInstant.code).toBe(2);
  });
});

describe('cron service', () => {
  async function startService() {
    const { findFreePort } = await import('@schedmon/local');
    const port = await findFreePort();
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        ...environment().env,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        METRICS_PORT: String(port),
      },
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    /** Polls /metrics until `until` matches it (or 15 s pass); returns the last answer. */
    const metricsUntil = async (until: RegExp) => {
      const deadline = performance.now() + 15_000;
      let metrics = '';
      while (performance.now() < deadline) {
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
        if (until.test(metrics)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return metrics;
    };
    return { port, child, exited, metricsUntil };
  }

  it('takes the leader lease, reports it in /metrics, and stops on SIGTERM', async () => {
    const service = await startService();
    try {
      expect(await service.metricsUntil(/schedmon_cron_leader 1/)).toMatch(
        /schedmon_cron_leader 1/,
      );
      const ready = (await fetch(`http://127.0.0.1:${service.port}/health/ready`).then((r) =>
        r.json(),
      )) as { status: string };
      expect(ready.status).toBe('healthy');
    } finally {
      service.child.kill('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('stops cleanly (exit 0) on a SIGTERM that arrives while it is still starting', async () => {
    const service = await startService();
    // The ops server answers before the runner's first lease round has finished.
    expect(await service.metricsUntil(/schedmon_cron_leader/)).toMatch(/schedmon_cron_leader/);
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });
});
