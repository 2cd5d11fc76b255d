/**
 * The capacity model of docs/capacity.md: what 1,000, 10,000 and 100,000 events/s need
 * on AWS, and what a million events cost, computed from the inputs below, so the
 * document's table is generated (`pnpm generate`) and a test fails when it drifts.
 * Every input says where it comes from; change one and regenerate.
 */

/** The measured and priced inputs of the model. */
export const CAPACITY_INPUTS = Object.freeze({
  /**
   * CPU per accepted event in each app (µs, whole process, bundled as in production):
   * P6 of `pnpm bench api` and `pnpm bench worker` in the committed run of 2026-12-04
   * (148 and 357 µs, rounded up; the worker's includes its warm-up, 290 µs after it),
   * docs/performance.md, issue 20.
   */
  apiCpuMicrosPerEvent: 150,
  workerCpuMicrosPerEvent: 360,
  /** The share of a vCPU a replica is planned to use, leaving room for bursts. */
  targetCpuUtilisation: 0.6,
  /** Memory per replica (GiB): P5 bars the bundled apps under 150 MB; tasks get 0.5 GiB. */
  replicaMemoryGiB: 0.5,
  /** SQS requests per event: the api sends batches of 10, the worker receives and deletes 10 at a time. */
  sqsRequestsPerEvent: 0.1 + 0.1 + 0.1,
  /**
   * DynamoDB writes per event (write request units, items ≤ 1 KB): the record's conditional
   * update, the history row (batched 25 a request, one unit each) and, for a status, the
   * incident box (a compare-and-set of up to 4 KB: 4 units, an upper bound).
   */
  writeUnitsPerEvent: 1 + 1 + 4,
  /**
   * Reads per event (read request units, strongly consistent: 1 per 4 KB): the incident
   * box, read with the rest of its batch in one BatchGetItem, which costs what its gets would.
   */
  readUnitsPerEvent: 1,
  /** DynamoDB's limit per partition: one scheduler's record is one item, so one partition. */
  partitionWriteUnitsPerSecond: 1_000,
  /** The watchdog (docs/schedules.md): one due-index Query per interval, 1 MB pages. */
  watchdogIntervalSeconds: 30,
  /** Deadlines a scheduler has a day, on average (a nightly job: missed, overrun, silence). */
  deadlinesPerSchedulerPerDay: 3,
  /** Slack: about one post per second per channel, and `chat.update` at Tier 3 (50 a minute). */
  slackPostsPerChannelPerSecond: 1,
  slackUpdatesPerMinute: 50,
  /** List prices, us-east-1, on demand (USD), as published at the time of writing (2026-12). */
  prices: {
    sqsPerMillionRequests: 0.4,
    dynamoPerMillionWriteUnits: 0.625,
    dynamoPerMillionReadUnits: 0.125,
    fargatePerVcpuHour: 0.04048,
    fargatePerGiBHour: 0.004445,
  },
});

export type CapacityInputs = typeof CAPACITY_INPUTS;

/** One row of the table: a sustained rate of events and what it needs. */
export type CapacityRow = {
  eventsPerSecond: number;
  sqsRequestsPerSecond: number;
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  apiReplicas: number;
  workerReplicas: number;
  /** USD per million events: queue, table and compute (storage and transfer left out). */
  costPerMillionEvents: number;
  /** USD a month (30 days) at this rate, sustained. */
  costPerMonth: number;
};

const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** Replicas of one vCPU each that carry `eventsPerSecond` at `micros` of CPU per event; at least 2. */
function replicas(eventsPerSecond: number, micros: number, inputs: CapacityInputs): number {
  const vcpus = (eventsPerSecond * micros) / 1e6 / inputs.targetCpuUtilisation;
  return Math.max(2, Math.ceil(vcpus));
}

/** What a sustained `eventsPerSecond` needs, and costs. */
export function capacityRow(
  eventsPerSecond: number,
  inputs: CapacityInputs = CAPACITY_INPUTS,
): CapacityRow {
  const apiReplicas = replicas(eventsPerSecond, inputs.apiCpuMicrosPerEvent, inputs);
  const workerReplicas = replicas(eventsPerSecond, inputs.workerCpuMicrosPerEvent, inputs);
  const { prices } = inputs;
  const perEvent =
    (inputs.sqsRequestsPerEvent * prices.sqsPerMillionRequests +
      inputs.writeUnitsPerEvent * prices.dynamoPerMillionWriteUnits +
      inputs.readUnitsPerEvent * prices.dynamoPerMillionReadUnits) /
    1e6;
  const computePerSecond =
    ((apiReplicas + workerReplicas) *
      (prices.fargatePerVcpuHour + inputs.replicaMemoryGiB * prices.fargatePerGiBHour)) /
    3_600;
  const perSecond = eventsPerSecond * perEvent + computePerSecond;
  return {
    eventsPerSecond,
    sqsRequestsPerSecond: round(eventsPerSecond * inputs.sqsRequestsPerEvent, 0),
    writeUnitsPerSecond: round(eventsPerSecond * inputs.writeUnitsPerEvent, 0),
    readUnitsPerSecond: round(eventsPerSecond * inputs.readUnitsPerEvent, 0),
    apiReplicas,
    workerReplicas,
    costPerMillionEvents: round((perSecond / eventsPerSecond) * 1e6, 2),
    costPerMonth: round(perSecond * 86_400 * 30, 0),
  };
}

/** The watchdog's read load for `schedulers`: deadlines evaluated per second and due-index reads. */
export function watchdogLoad(schedulers: number, inputs: CapacityInputs = CAPACITY_INPUTS) {
  const deadlinesPerSecond = (schedulers * inputs.deadlinesPerSchedulerPerDay) / 86_400;
  return {
    schedulers,
    deadlinesPerSecond: round(deadlinesPerSecond, 2),
    // Each due deadline is one conditional write of the record and one event on the queue.
    writeUnitsPerSecond: round(deadlinesPerSecond, 2),
    queriesPerSecond: round(1 / inputs.watchdogIntervalSeconds, 3),
  };
}

const CAPACITY_RATES = [1_000, 10_000, 100_000] as const;
const CAPACITY_SCHEDULERS = [1_000, 10_000, 100_000, 1_000_000] as const;

const number = (value: number) => value.toLocaleString('en-US');

/** The generated part of docs/capacity.md, between its markers. */
export function renderCapacityTables(inputs: CapacityInputs = CAPACITY_INPUTS): string {
  const rows = CAPACITY_RATES.map((rate) => capacityRow(rate, inputs));
  const watch = CAPACITY_SCHEDULERS.map((count) => watchdogLoad(count, inputs));
  return [
    '| events/s | SQS requests/s | DynamoDB writes/s (WRU) | reads/s (RRU) | api replicas (1 vCPU) | worker replicas (1 vCPU) | USD per million events | USD a month, sustained |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${number(row.eventsPerSecond)} | ${number(row.sqsRequestsPerSecond)} | ${number(row.writeUnitsPerSecond)} | ${number(row.readUnitsPerSecond)} | ${row.apiReplicas} | ${row.workerReplicas} | ${row.costPerMillionEvents.toFixed(2)} | ${number(row.costPerMonth)} |`,
    ),
    '',
    '| schedulers | deadlines due/s | their writes/s (WRU) | due-index queries/s |',
    '| ---: | ---: | ---: | ---: |',
    ...watch.map(
      (row) =>
        `| ${number(row.schedulers)} | ${row.deadlinesPerSecond} | ${row.writeUnitsPerSecond} | ${row.queriesPerSecond} |`,
    ),
  ].join('\n');
}

export const CAPACITY_DOC_PATH = 'docs/capacity.md';
const BEGIN = '<!-- generated by `pnpm generate` from infra/src/capacity.ts: begin -->';
const END = '<!-- generated: end -->';

/** The document with its generated part replaced by `renderCapacityTables()`. */
export function withCapacityTables(document: string): string {
  const start = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${CAPACITY_DOC_PATH} lacks its markers`);
  return `${document.slice(0, start + BEGIN.length)}\n${renderCapacityTables()}\n${document.slice(end)}`;
}
