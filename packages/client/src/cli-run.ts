/**
 * `schedmon run`: runs a command and reports it — `running` when it starts, heartbeats
 * while it runs, `completed` or `failed` when it ends — without ever standing in its way.
 * The command starts at once (reporting runs beside it), keeps its own exit code, gets
 * the signals sent to the wrapper, and runs even when the api cannot be reached. Each of
 * those events has one `Idempotency-Key`, sent on every retry of it, the client's and this
 * file's, so a retry never records it twice.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { SchedulerRecord } from '@schedmon/domain';
import { MAX_ERROR_MESSAGE_LENGTH, MAX_EXECUTION_TIME_MS, toErrorMessage } from '@schedmon/domain';
import { signalExitCode } from './cli-options.ts';
import type { SchedmonClient, StatusUpdate } from './http-client.ts';
import { createLineTail } from './line-tail.ts';
import { redactSecrets } from './redact-secrets.ts';
import type { SchedmonResult } from './result.ts';
import { SchedmonClientError } from './result.ts';
import { terminalSafe } from './terminal-text.ts';

export type RunSettings = {
  /** Undefined when no api is configured: the command runs unreported. */
  client: SchedmonClient | undefined;
  schedulerId: string;
  service?: string | undefined;
  job?: string | undefined;
  /** Contacts, set only when the scheduler is registered by this run. */
  ownerEmail?: string | undefined;
  alertUserId?: string | undefined;
  /** 0: no heartbeats. */
  heartbeatMs: number;
  /** The program and its arguments. */
  command: readonly string[];
  /** How long reporting may go on after the command ended (default 10 s). */
  reportDeadlineMs?: number;
  /** Where the command's stderr and the warnings go. */
  stderr: NodeJS.WritableStream;
};

/** Lines of the command's stderr that go into a failure's `error_message`. */
const STDERR_TAIL_LINES = 20;
/** How long to wait for the command's stderr to close after it exited (a grandchild may hold it). */
const STDERR_GRACE_MS = 1_000;
const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Whether the api refused a request in a way it would refuse the same request again
 * (400, 401, 403, 409, 413, 415, 422: a key reused for another request, …), so trying it
 * again later is no use. Not 404 (registering helps), 408 or 429 (later may work).
 */
function isFinalRefusal(error: SchedmonClientError): boolean {
  const { status } = error;
  return status !== undefined && status >= 400 && status < 500 && ![404, 408, 429].includes(status);
}

/** How the command ended. `error` when it could not be started at all. */
export type CommandOutcome = {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
};

/** The wrapper's exit code: the command's, 128 + n for signal n, 127/126 when it could not start. */
export function exitCodeOf(outcome: CommandOutcome): number {
  if (outcome.error) {
    if (outcome.error.code === 'ENOENT') return 127;
    if (outcome.error.code === 'EACCES') return 126;
    return 1;
  }
  if (outcome.signal) return signalExitCode(outcome.signal);
  return outcome.code ?? 1;
}

/**
 * The `error_message` of a failed run: why it ended, then the tail of its stderr with
 * secrets redacted (it is stored, shown in Slack and in every operator's terminal), cut
 * from the front to the api's limit (the last lines say the most).
 */
export function failureMessage(outcome: CommandOutcome, stderrTail: readonly string[]): string {
  const reason = outcome.error
    ? `could not start: ${outcome.error.message}`
    : outcome.signal
      ? `killed by signal ${outcome.signal}`
      : `exit code ${outcome.code}`;
  if (stderrTail.length === 0) return reason;
  const head = `${reason}; last lines of stderr:\n`;
  // Redacted whole, before the cut: a key block spans lines, and a cut must not uncover
  // the rest of a secret whose start it removed.
  // Made acceptable too: a job's colours, progress-bar returns and a line cut inside an
  // emoji must not turn the report of its failure into a 400.
  const body = toErrorMessage(redactSecrets(stderrTail.join('\n')));
  const room = MAX_ERROR_MESSAGE_LENGTH - head.length;
  return toErrorMessage(
    head + (body.length > room ? `…${body.slice(body.length - room + 1)}` : body),
  );
}

/** The api's 404 for an archived scheduler (docs/api.md → Archive). */
function isArchivedRefusal(error: SchedmonClientError): boolean {
  return error.problems.some((problem) => problem.includes(' is archived.'));
}

// Case-insensitively: Windows' variable names are.
const OWN_VARIABLE = /^SCHEDMON_/i;

/**
 * The command's environment: the wrapper's own without the `SCHEDMON_*` variables. The
 * API key is the wrapper's, not the job's: a job that logs or forwards its environment
 * must not leak it, and a job that needs one gets its own variable.
 */
export function jobEnvironment(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(environment).filter(
      ([name, value]) => value !== undefined && !OWN_VARIABLE.test(name),
    ),
  );
}

function startCommand(command: readonly string[], stderr: NodeJS.WritableStream) {
  const [program = '', ...args] = command;
  const tail = createLineTail(STDERR_TAIL_LINES);
  const child: ChildProcess = spawn(program, args, {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: jobEnvironment(process.env),
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk);
    stderr.write(chunk);
  });
  const ended = new Promise<CommandOutcome>((resolve) => {
    let grace: ReturnType<typeof setTimeout> | undefined;
    child.once('error', (error: NodeJS.ErrnoException) => {
      // After a successful start, errors (a failed kill) do not end the command.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once('exit', (code, signal) => {
      grace = setTimeout(() => {
        child.stderr?.destroy();
        resolve({ code, signal });
      }, STDERR_GRACE_MS);
    });
    child.once('close', (code, signal) => {
      clearTimeout(grace);
      resolve({ code, signal });
    });
  });
  return { child, tail, ended };
}

/**
 * Runs the command, reporting it through `settings.client`, and resolves with the exit
 * code the wrapper should exit with. Never rejects: reporting failures become warnings on
 * `settings.stderr`, and a command that cannot start is reported as failed (127/126).
 */
export async function runMonitored(settings: RunSettings): Promise<number> {
  const { client, schedulerId: id, stderr } = settings;
  // Warnings carry the api's answers: producer text, or any server's with a wrong URL.
  const warn = (text: string) => stderr.write(`schedmon: warning: ${terminalSafe(text)}\n`);
  const startedAt = new Date();
  const started = performance.now();
  const { child, tail, ended } = startCommand(settings.command, stderr);

  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);

  const cannotStart = (outcome: CommandOutcome) => {
    if (outcome.error)
      stderr.write(
        `schedmon: ${terminalSafe(`could not start ${settings.command[0]}: ${outcome.error.message}`)}\n`,
      );
  };
  if (!client) {
    const outcome = await ended;
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    cannotStart(outcome);
    return exitCodeOf(outcome);
  }

  // Ends every monitoring call still going on once the report deadline has passed.
  const lifetime = new AbortController();
  const { signal } = lifetime;
  const run_id = randomUUID();
  let record: SchedulerRecord | undefined;
  let registered = false;

  const namesNow = () => ({
    service_name: settings.service ?? record?.service_name ?? id,
    job_name: settings.job ?? record?.job_name ?? id,
  });

  type Say = (text: string) => void;
  const quiet: Say = () => {};
  // Set once the api says the scheduler is archived: the run reports nothing more.
  let archived = false;

  /** The record, read once: its names are kept unless the options give others. */
  const readRecord = async (
    say: Say,
  ): Promise<'found' | 'unknown' | 'archived' | 'failed' | SchedmonClientError> => {
    if (record) return 'found';
    const found = await client.getScheduler(id, { signal });
    // Archived on purpose: a run never brings it back (registering would, and would
    // clear the settings the run does not know).
    if (found.ok && found.value.archived_at != null) return 'archived';
    if (found.ok) {
      record = found.value;
      registered = true;
      return 'found';
    }
    if (found.error.status === 404) return 'unknown';
    // No answer at all: the api is down, a status write would only wait for it again.
    if (found.error.status === undefined) return found.error;
    // Any other failure shows again in the status write, which warns; but a key that may
    // write and not read leaves the names to the options.
    if (found.error.status === 403 && (!settings.service || !settings.job)) {
      say(`the key may not read ${id}: pass --service and --job, or the names become the id`);
    }
    return 'failed';
  };

  const register = async (say: Say) => {
    const result = await client.register(
      {
        scheduler_id: id,
        ...namesNow(),
        ...(settings.ownerEmail ? { owner_email: settings.ownerEmail } : {}),
        ...(settings.alertUserId ? { alert_user_id: settings.alertUserId } : {}),
      },
      { signal },
    );
    if (result.ok) {
      record = result.value;
      registered = true;
    } else say(`could not register scheduler ${id}: ${result.error.message}`);
    return result.ok;
  };

  /**
   * One status event of the run. Its key is chosen once, and its body fixed when first
   * sent (the names may be learnt later), so every send of it is the same request: the api
   * records it once, and a send with another body under its key would be a 422.
   */
  type StatusEvent = {
    update: Omit<StatusUpdate, 'scheduler_id' | 'service_name' | 'job_name'>;
    idempotencyKey: string;
    body?: StatusUpdate;
  };
  const statusEvent = (update: StatusEvent['update']): StatusEvent => ({
    update,
    idempotencyKey: randomUUID(),
  });

  /**
   * A status write, registering first when the api does not know the scheduler. Resolves
   * `written`, `failed` (worth trying again later) or `refused` (the api would refuse it
   * again); `say` hears what went wrong.
   */
  const report = async (
    event: StatusEvent,
    say: Say,
  ): Promise<'written' | 'failed' | 'refused'> => {
    const { status } = event.update;
    const known = registered ? 'found' : await readRecord(say);
    if (known instanceof SchedmonClientError) {
      say(`could not report ${status} for ${id}: ${known.message}`);
      return 'failed';
    }
    if (known === 'archived') {
      archived = true;
      say(`scheduler ${id} is archived: not reporting ${status} (register it again to restore it)`);
      return 'refused';
    }
    if (known === 'unknown' && !(await register(say))) return 'failed';
    const send = () => {
      event.body ??= { scheduler_id: id, ...namesNow(), ...event.update, run_id };
      return client.status(event.body, { signal, idempotencyKey: event.idempotencyKey });
    };
    let result: SchedmonResult<unknown> = await send();
    // Sent again after registering: the same event, so the same key. An archived one
    // (archived since it was read) is left archived.
    if (!result.ok && isArchivedRefusal(result.error)) archived = true;
    else if (!result.ok && result.error.status === 404 && (await register(say))) {
      result = await send();
    }
    if (!result.ok) {
      say(`could not report ${status} for ${id}: ${result.error.message}`);
      return isFinalRefusal(result.error) ? 'refused' : 'failed';
    }
    registered = true;
    return 'written';
  };

  const running = statusEvent({ status: 'running', timestamp: startedAt.toISOString() });
  // Written, or refused for good: the ticks send heartbeats from then on.
  let runningSettled = false;
  let heartbeatFailing = false;
  const startup = report(running, warn).then((outcome) => {
    runningSettled = outcome !== 'failed';
    if (outcome !== 'written') warn('the command runs anyway');
  });

  /**
   * One heartbeat tick. While `running` could not be reported (the api was down when the
   * command started), the tick tries that again, quietly, instead of a heartbeat: the same
   * event with the same key, so an earlier attempt that did arrive is not recorded twice.
   */
  const tick = async () => {
    // Archived on purpose: nothing more is reported for it.
    if (archived) return;
    if (!runningSettled) {
      runningSettled = (await report(running, quiet)) !== 'failed';
      return;
    }
    // Each heartbeat is an event of its own: the client gives it its own key.
    const result = await client.heartbeat(id, { signal });
    if (!result.ok && !heartbeatFailing && !signal.aborted) {
      warn(`heartbeat for ${id} failed: ${result.error.message}`);
    }
    heartbeatFailing = !result.ok;
  };
  // The report or tick in progress: ticks never overlap it, and the end waits for it.
  let busy: Promise<void> | undefined = startup.finally(() => {
    busy = undefined;
  });
  const heartbeats =
    settings.heartbeatMs > 0
      ? setInterval(() => {
          busy ??= tick().finally(() => {
            busy = undefined;
          });
        }, settings.heartbeatMs)
      : undefined;

  const outcome = await ended;
  const endedAt = new Date();
  cannotStart(outcome);
  const executionMs = Math.min(Math.round(performance.now() - started), MAX_EXECUTION_TIME_MS);
  clearInterval(heartbeats);
  for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  const deadline = setTimeout(() => lifetime.abort(), settings.reportDeadlineMs ?? 10_000);
  try {
    await busy;
    const succeeded = !outcome.error && !outcome.signal && outcome.code === 0;
    const end = statusEvent({
      status: succeeded ? 'completed' : 'failed',
      timestamp: endedAt.toISOString(),
      execution_time_ms: executionMs,
      ...(succeeded ? {} : { error_message: failureMessage(outcome, tail.lines()) }),
    });
    const written = (await report(end, warn)) === 'written';
    if (!written) warn("the run's end was not recorded; exiting with the command's own code");
  } finally {
    clearTimeout(deadline);
    // A heartbeat still waiting for an answer has nothing left to say.
    lifetime.abort();
  }
  return exitCodeOf(outcome);
}
