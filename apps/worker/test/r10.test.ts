// R10 for deadlines (quality.md; docs/schedules.md → The watchdog, Exactly once: the
// incident box): 3 worker processes and 3 cron replicas on the same engines while 100
// missed-start deadlines come due; the cron leader and one worker are `kill -9`'d in the
// middle. Every deadline is paged exactly once (one root message per scheduler, none
// missing) and every incident, resolved by a late run, is resolved exactly once.
import { createHash } from 'node:crypto';
import {
  createDocumentClient,
  createDynamoIncidentStore,
  createDynamoSchedulerStore,
} from '@schedmon/adapters/dynamodb';
import type { StatusMessage } from '@schedmon/domain';
import type { FakeSlack, RecordedCall } from '@schedmon/fake-slack';
import { startFakeSlack } from '@schedmon/fake-slack';
import { waitFor } from '@schedmon/local';
import { useTestEnvironment } from '@schedmon/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CronProcess, WorkerProcess } from './harness.ts';
import { deadLetterDepth, sendEvents, startCron, startWorker, waitDrained } from './harness.ts';

const N = 100;
const CHANNEL = 'C0R10';
const MINUTE_MS = 60_000;
const environment = useTestEnvironment();
let slack: FakeSlack;
const running: WorkerProcess[] = [];

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.stop('SIGKILL');
  slack.clearFailures();
  slack.reset();
});
afterAll(async () => {
  await slack.stop();
});

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const ids = Array.from({ length: N }, (_, i) => `r10-job-${i}`);
/** What the worker and the cron judge deadlines by, and the registrations are stored with. */
const deadlines = { timeZone: 'UTC', heartbeatTimeoutMinutes: 15 };

function stores() {
  const env = environment();
  const documents = createDocumentClient(env.clients.dynamodb);
  return {
    schedulers: createDynamoSchedulerStore(documents, env.names.schedulersTable, { deadlines }),
    incidents: createDynamoIncidentStore(documents, env.names.stateTable),
  };
}

/** `HH:MM` in UTC. */
const wallTime = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function commonEnv() {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_CHANNEL_ID: CHANNEL,
    SLACK_API_URL: slack.url,
    EOD_TIMEZONE: 'UTC',
    HEARTBEAT_TIMEOUT_MINUTES: String(deadlines.heartbeatTimeoutMinutes),
    LOG_LEVEL: 'warn',
  };
}
/**
 * Every process started, or the first failure once all have settled: each one that came
 * up is in `running` by then, so the cleanup stops it.
 */
async function allStarted<T>(starts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

const startWorkerProcess = async () => {
  const worker = await startWorker(environment(), {
    ...commonEnv(),
    VISIBILITY_TIMEOUT_SECONDS: '5',
    ALERT_RETRY_INTERVAL_SECONDS: '1',
    INCIDENT_REMIND_MINUTES: '0',
  });
  running.push(worker);
  return worker;
};
const startCronProcess = async () => {
  // The EOD window is put half a day away, so the channel holds incidents only.
  const windowStart = Date.now() + 12 * 60 * MINUTE_MS;
  const cron = await startCron(environment(), {
    ...commonEnv(),
    WATCHDOG_INTERVAL_SECONDS: '2',
    LEASE_TTL_SECONDS: '5',
    EOD_WINDOW_START: wallTime(windowStart),
    EOD_WINDOW_END: wallTime(windowStart + 60 * MINUTE_MS),
  });
  running.push(cron);
  return cron;
};

const leaders = async (crons: readonly CronProcess[]) => {
  const leading = await Promise.all(crons.map((cron) => cron.isLeader().catch(() => false)));
  return crons.filter((_, i) => leading[i]);
};

/** The worker's count of deadline events it applied (any outcome). */
async function deadlinesProcessed(worker: WorkerProcess) {
  const metrics = await fetch(`http://127.0.0.1:${worker.port}/metrics`).then((r) => r.text());
  return [
    ...metrics.matchAll(/^schedmon_events_processed_total\{[^}]*type="deadline"[^}]*\} (\d+)/gm),
  ]
    .map((match) => Number(match[1]))
    .reduce((sum, count) => sum + count, 0);
}

/** The incident the deadline of `schedulerId` due at `dueAt` opens (the event id the watchdog gives it). */
const incidentIdOf = (schedulerId: string, dueAt: string) =>
  `${schedulerId}#dl-${digest(`${schedulerId}\nmissed\n${dueAt}`).slice(0, 40)}`;

const accepted = (call: RecordedCall) => call.response?.body.ok === true;
const isReply = (call: RecordedCall) =>
  typeof call.body.thread_ts === 'string' && call.body.thread_ts !== '';

/** Top-level messages Slack accepted, by the scheduler they name: each with its ts. */
function rootPosts() {
  const byScheduler = new Map<string, { ts: string; body: string }[]>();
  for (const call of slack.callsOf('chat.postMessage')) {
    if (!accepted(call) || isReply(call)) continue;
    const body = JSON.stringify(call.body);
    const id = /\((r10-job-\d+)\)/.exec(String(call.body.text ?? ''))?.[1] ?? 'unnamed';
    const ts = String(call.response?.body.ts ?? '');
    byScheduler.set(id, [...(byScheduler.get(id) ?? []), { ts, body }]);
  }
  return byScheduler;
}
const rootCount = () =>
  [...rootPosts()].filter(([id]) => id !== 'unnamed').reduce((sum, [, p]) => sum + p.length, 0);

/**
 * Incident claims held in the boxes now: a deliverer's lease on one outbox entry, from
 * the moment it is written until its Slack call is settled.
 */
async function claimsHeld(incidents: ReturnType<typeof stores>['incidents']) {
  const now = new Date().toISOString();
  const boxes = await Promise.all(ids.map((id) => incidents.box(id, now)));
  return new Set(
    boxes.flatMap((found, i) =>
      found?.box.claim ? [`${ids[i]} ${found.box.claim.owner} ${found.box.claim.seq}`] : [],
    ),
  );
}

/**
 * `kill -9` of a worker outside an incident claim. A deliverer that dies holding a claim
 * leaves an entry that may or may not have reached Slack, which by design is dropped, not
 * sent again (docs/schedules.md → Exactly once: at most once per message): a kill landing
 * in those few milliseconds would lose or orphan a root message whatever else is right.
 * So the worker is frozen (SIGSTOP) first; a claim still held after a second is the frozen
 * worker's (a live worker's lasts milliseconds against the fake Slack): then it is thawed
 * and frozen again a moment later. The pauses do not race: a slow machine only makes a live
 * claim look held, which costs one more freeze. Returns how many freezes it took.
 */
async function killOutsideAClaim(
  worker: WorkerProcess,
  incidents: ReturnType<typeof stores>['incidents'],
) {
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    worker.child.kill('SIGSTOP');
    const first = await claimsHeld(incidents);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const second = await claimsHeld(incidents);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const third = await claimsHeld(incidents);
    const stuck = [...second].filter((claim) => first.has(claim) || third.has(claim));
    if (stuck.length === 0) {
      await worker.stop('SIGKILL');
      return attempt;
    }
    worker.child.kill('SIGCONT');
    await waitFor(
      async () => {
        const now = await claimsHeld(incidents);
        return stuck.every((claim) => !now.has(claim));
      },
      'the thawed worker to settle its claims',
      30_000,
    );
  }
  throw new Error('the worker was always frozen holding an incident claim');
}

describe('R10: 3 workers and 3 cron replicas, the cron leader and a worker kill -9’d while deadlines come due', () => {
  it('pages every missed start exactly once and resolves every incident exactly once', async () => {
    const { schedulers, incidents } = stores();
    const began = Date.now();
    // Incidents other tests on these engines left open: the gauge counts them too.
    const openBefore = (
      await incidents.incidents({ limit: 1_000 }, new Date().toISOString())
    ).incidents.filter(
      (incident) => incident.kind === 'missed' && incident.state !== 'resolved',
    ).length;
    // Three at a time, so none waits for its /health behind five others on 2 cores.
    const workers = await allStarted([1, 2, 3].map(() => startWorkerProcess()));
    const crons = await allStarted([1, 2, 3].map(() => startCronProcess()));
    const [leader] = await waitFor(
      async () => {
        const found = await leaders(crons);
        return found.length === 1 && found;
      },
      'one cron leader',
      30_000,
    );
    if (!leader) throw new Error('no cron leader');

    // Daily schedules at a minute 1–2 min ago, registered a minute before it: each one's
    // next deadline is that start + its grace, which puts the 100 deadlines 20–50 s
    // from now, 0.3 s apart (grace_seconds 80–170, within the allowed 60–86,400).
    const t0 = Date.now();
    const expectedMs = Math.floor(t0 / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
    const expectedAt = new Date(expectedMs);
    const schedule = `${expectedAt.getUTCMinutes()} ${expectedAt.getUTCHours()} * * *`;
    const dueAt = new Map<string, string>();
    for (let start = 0; start < N; start += 20) {
      await Promise.all(
        ids.slice(start, start + 20).map(async (id, offset) => {
          const i = start + offset;
          const dueMs = Math.ceil((t0 + 20_000 + i * 300) / 1000) * 1000;
          const record = await schedulers.register(
            {
              scheduler_id: id,
              service_name: 'Reliability',
              job_name: `Job ${i}`,
              schedule,
              timezone: 'UTC',
              grace_seconds: (dueMs - expectedMs) / 1000,
            },
            new Date(expectedMs - MINUTE_MS).toISOString(),
          );
          // Registration stored the deadline the schedule gives.
          expect(record, id).toMatchObject({
            due_kind: 'missed',
            due_at: new Date(dueMs).toISOString(),
            next_expected_at: expectedAt.toISOString(),
          });
          dueAt.set(id, new Date(dueMs).toISOString());
        }),
      );
    }

    // The first pages are out: the leader's watchdog is sending; kill it.
    await waitFor(() => rootCount() >= 10, 'the first pages', 60_000);
    await leader.stop('SIGKILL');
    const killedLeaderAt = rootCount();
    const standbys = crons.filter((cron) => cron !== leader);

    // A standby takes the lease over and its watchdog sends what is still due.
    const [successor] = await waitFor(
      async () => {
        const found = await leaders(standbys);
        return found.length === 1 && found;
      },
      'a standby to take the leadership',
      30_000,
    );
    if (!successor) throw new Error('no successor');

    // Pages flow again, through the successor: kill -9 the worker that applied the most
    // deadlines so far, while more are coming due.
    await waitFor(
      () => rootCount() >= Math.min(N, killedLeaderAt + 20),
      'pages after the failover',
      60_000,
    );
    const processed = await Promise.all(workers.map(deadlinesProcessed));
    const doomed = workers[processed.indexOf(Math.max(...processed))];
    if (!doomed) throw new Error('no worker');
    expect(Math.max(...processed)).toBeGreaterThan(0);
    const freezes = await killOutsideAClaim(doomed, incidents);
    const killedWorkerAt = rootCount();

    await waitFor(() => rootCount() >= N, 'a page for every scheduler', 90_000);
    const pagedAllMs = Date.now() - t0;
    const successorMetrics = await fetch(`http://127.0.0.1:${successor.port}/metrics`).then((r) =>
      r.text(),
    );
    const sentBySuccessor = Number(
      /^schedmon_deadlines_sent_total\{watched="watched"\} (\d+)/m.exec(successorMetrics)?.[1] ?? 0,
    );
    // The leader reports them open (counted at its next watchdog round), besides what
    // other tests left open before this one.
    const openMissed = async () => {
      const metrics = await fetch(`http://127.0.0.1:${successor.port}/metrics`).then((r) =>
        r.text(),
      );
      return Number(/^schedmon_incidents_open\{kind="missed"\} (\d+)/m.exec(metrics)?.[1] ?? -1);
    };
    await waitFor(
      async () => (await openMissed()) === openBefore + N,
      'the open incidents gauge',
      30_000,
    );

    // Each job then starts late and completes: its incident resolves.
    const now = Date.now();
    const late: StatusMessage[] = ids.flatMap((id, i) => [
      {
        v: 1,
        type: 'status',
        event_id: `r10-run-${i}`,
        scheduler_id: id,
        service_name: 'Reliability',
        job_name: `Job ${i}`,
        status: 'running',
        timestamp: new Date(now - 1_000).toISOString(),
      },
      {
        v: 1,
        type: 'status',
        event_id: `r10-done-${i}`,
        scheduler_id: id,
        service_name: 'Reliability',
        job_name: `Job ${i}`,
        status: 'completed',
        timestamp: new Date(now).toISOString(),
        execution_time_ms: 1_000,
      },
    ]);
    await sendEvents(environment(), late);
    const listed = async () =>
      (await incidents.incidents({ limit: 1_000 }, new Date().toISOString())).incidents.filter(
        (incident) => incident.scheduler_id.startsWith('r10-'),
      );
    await waitFor(
      async () => {
        const found = await listed();
        return found.length >= N && found.every((incident) => incident.state === 'resolved');
      },
      'every incident resolved',
      60_000,
    );

    // Quiet: nothing queued or in flight, and no box owes Slack anything.
    await waitDrained(environment(), 60_000);
    await waitFor(
      async () => {
        const at = new Date().toISOString();
        const boxes = await Promise.all(ids.map((id) => incidents.box(id, at)));
        return boxes.every((found) => found?.box.outbox.length === 0 && !found.box.claim);
      },
      'every incident box delivered',
      // 100 roots, replies and edits in one channel: each worker's Slack limiter lets
      // about one post a second into it (docs/boards.md → Rate limits).
      240_000,
    );

    console.info(
      `R10: processes up in ${t0 - began} ms, every page ${pagedAllMs} ms and every ` +
        `recovery ${Date.now() - t0} ms after registering; ` +
        `leader killed after ${killedLeaderAt} pages, worker after ${killedWorkerAt} ` +
        `(${freezes} freeze${freezes === 1 ? '' : 's'}); the successor sent ${sentBySuccessor} deadlines`,
    );

    // One root message per scheduler, for the incident its deadline opened; nothing else
    // at the top of the channel (no recovery without its root, no "not watching").
    const roots = rootPosts();
    expect([...roots.keys()].sort()).toEqual([...ids].sort());
    const duplicated = [...roots].filter(([, posts]) => posts.length !== 1).map(([id]) => id);
    expect(duplicated).toEqual([]);
    for (const id of ids) {
      const [root] = roots.get(id) ?? [];
      expect(root?.body, id).toContain(incidentIdOf(id, dueAt.get(id) ?? ''));
      expect(root?.body, id).toContain('Missed');
    }

    // One recovery in each thread, no repeated page there; each root edited to resolved.
    for (const id of ids) {
      const ts = roots.get(id)?.[0]?.ts ?? '';
      const replies = slack.thread(CHANNEL, ts).map((reply) => reply.text ?? '');
      expect(
        replies.filter((text) => text.includes('Recovered')),
        id,
      ).toHaveLength(1);
      expect(
        replies.filter((text) => / again at /.test(text)),
        id,
      ).toEqual([]);
      expect(slack.message(CHANNEL, ts)?.text, id).toMatch(/Resolved/);
    }

    // The stores: one incident per scheduler, missed at its deadline, resolved, with its root.
    const stored = await listed();
    expect(stored).toHaveLength(N);
    for (const id of ids) {
      const own = stored.filter((incident) => incident.scheduler_id === id);
      expect(own, id).toHaveLength(1);
      expect(own[0], id).toMatchObject({
        incident_id: incidentIdOf(id, dueAt.get(id) ?? ''),
        kind: 'missed',
        state: 'resolved',
        opened_at: dueAt.get(id),
        slack: { channel: CHANNEL, ts: roots.get(id)?.[0]?.ts },
      });
      expect(own[0]?.resolved_at, id).not.toBeNull();
    }
    const records = await Promise.all(ids.map((id) => schedulers.get(id)));
    for (const [i, record] of records.entries()) {
      const id = ids[i] ?? '';
      expect(record, id).toMatchObject({
        status: 'completed',
        deadline_fired_at: dueAt.get(id),
        deadline_unknown_at: null,
      });
    }
    expect(await deadLetterDepth(environment())).toBe(0);
    // The failover was exercised: the successor's watchdog sent deadlines of its own.
    expect(sentBySuccessor).toBeGreaterThan(0);
    // Both kills happened while deadlines were still coming due, not after the last page.
    expect(killedLeaderAt).toBeLessThan(N);
    expect(killedWorkerAt).toBeLessThan(N);
  }, 480_000);
});
