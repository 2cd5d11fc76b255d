/**
 * Reachability checks of the engines, for `/health/ready`. Each has a short timeout: a
 * readiness probe must answer quickly even when an engine hangs.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ComponentCheck, ReadinessReport } from '@schedmon/domain';
import { summarizeReadiness } from '@schedmon/domain';

type Probe = (signal: AbortSignal) => Promise<unknown>;

/** Where a probe's full error goes: the log, never the public readiness answer. */
export type ProbeLogger = { warn(details: Record<string, unknown>, message: string): void };

/**
 * What may be said publicly of a failed probe: a timeout, an error code (ECONNREFUSED) or
 * an SDK error name (AccessDeniedException). Error messages are never shown: AWS puts
 * account ids and role ARNs in them.
 */
function publicReason(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return 'unexpected error';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z_]{2,30}$/.test(code)) return code;
  return /^[A-Za-z]{1,64}$/.test(error.name) ? error.name : 'unexpected error';
}

async function probe(
  name: string,
  run: Probe,
  timeoutMs: number,
  logger: ProbeLogger | undefined,
): Promise<ComponentCheck> {
  const lastChecked = new Date().toISOString();
  try {
    await run(AbortSignal.timeout(timeoutMs));
    return { status: 'up', message: `${name} reachable`, lastChecked };
  } catch (error) {
    const reason = publicReason(error, timeoutMs);
    logger?.warn({ err: error, component: name }, `${name} readiness probe failed`);
    return { status: 'down', message: `${name} unreachable (${reason})`, lastChecked };
  }
}

/** Up when the table can be described. Failure is a `down` result, never a throw. */
export function checkDynamoTable(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs = 1_000,
  logger?: ProbeLogger,
) {
  return probe(
    'DynamoDB',
    (abortSignal) =>
      client.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal }),
    timeoutMs,
    logger,
  );
}

/** Up when the queue's attributes can be read. Failure is a `down` result, never a throw. */
export function checkQueue(
  client: SQSClient,
  queueUrl: string,
  timeoutMs = 1_000,
  logger?: ProbeLogger,
) {
  return probe(
    'SQS',
    (abortSignal) =>
      client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
        { abortSignal },
      ),
    timeoutMs,
    logger,
  );
}

export type EngineReadinessOptions = {
  /** Checked when given: the table must be describable. */
  dynamodb?: { client: DynamoDBClient; tableName: string };
  /** Checked when given: the queue's attributes must be readable. */
  sqs?: { client: SQSClient; queueUrl: string };
  timeoutMs?: number;
  /** Gets each failed probe's full error; the report says only what is down. */
  logger?: ProbeLogger;
  /** Reuse a result this long, so frequent probes do not load the engines (default 2 s). */
  cacheMs?: number;
};

/**
 * Readiness of a process from the engines it needs: the checks run in parallel and a
 * result is reused for `cacheMs`. Never throws: an unreachable engine is `down`.
 */
export function createEngineReadiness(
  options: EngineReadinessOptions,
): () => Promise<ReadinessReport> {
  const cacheMs = options.cacheMs ?? 2_000;
  const { dynamodb, sqs, timeoutMs, logger } = options;
  let cached: { at: number; report: Promise<ReadinessReport> } | undefined;
  const checkAll = async () => {
    const components: Record<string, ComponentCheck> = {};
    await Promise.all([
      dynamodb &&
        checkDynamoTable(dynamodb.client, dynamodb.tableName, timeoutMs, logger).then((check) => {
          components.dynamodb = check;
        }),
      sqs &&
        checkQueue(sqs.client, sqs.queueUrl, timeoutMs, logger).then((check) => {
          components.sqs = check;
        }),
    ]);
    return summarizeReadiness(components);
  };
  return () => {
    const now = performance.now();
    if (cached && now - cached.at < cacheMs) return cached.report;
    const report = checkAll();
    cached = { at: now, report };
    return report;
  };
}
