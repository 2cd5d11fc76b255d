// docs/capacity.md's tables are the model's (run `pnpm generate`), and the model does what
// the document says of it.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  CAPACITY_INPUTS,
  capacityRow,
  renderCapacityTables,
  watchdogLoad,
  withCapacityTables,
} from '../src/capacity.ts';

describe('docs/capacity.md', () => {
  it('has the tables the model computes from its inputs (run `pnpm generate`)', async () => {
    const document = await readFile(new URL('../../docs/capacity.md', import.meta.url), 'utf8');
    expect(document).toBe(withCapacityTables(document));
    expect(document).toContain(renderCapacityTables());
  });
});

describe('the capacity model', () => {
  it('adds up: units and requests per event times the rate, replicas from CPU at 60 %', () => {
    const row = capacityRow(10_000);
    expect(row.sqsRequestsPerSecond).toBe(3_000);
    expect(row.writeUnitsPerSecond).toBe(60_000);
    expect(row.readUnitsPerSecond).toBe(10_000);
    // 10,000 × 150 µs = 1.5 vCPU, over 0.6 = 2.5 → 3; the worker 3.6 / 0.6 = 6.
    expect(row.apiReplicas).toBe(3);
    expect(row.workerReplicas).toBe(6);
  });

  it('prices a million events from list prices: queue, table, and the replicas for that time', () => {
    const row = capacityRow(1_000);
    const { prices } = CAPACITY_INPUTS;
    const usage =
      0.3 * prices.sqsPerMillionRequests +
      6 * prices.dynamoPerMillionWriteUnits +
      1 * prices.dynamoPerMillionReadUnits;
    // A million events at 1,000/s take 1,000 s of 2 + 2 replicas (0.23 and 0.7 vCPU at
    // 60 % need 1 and 2; two of each at least).
    const compute =
      ((2 + 2) * (prices.fargatePerVcpuHour + 0.5 * prices.fargatePerGiBHour) * 1_000) / 3_600;
    expect(row.costPerMillionEvents).toBeCloseTo(usage + compute, 2);
  });

  it('keeps two replicas of each app however low the rate, and grows with it', () => {
    expect(capacityRow(1).apiReplicas).toBe(2);
    expect(capacityRow(1).workerReplicas).toBe(2);
    const rows = [1_000, 10_000, 100_000].map((rate) => capacityRow(rate));
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i]?.workerReplicas).toBeGreaterThan(rows[i - 1]?.workerReplicas ?? 0);
      expect(rows[i]?.costPerMonth).toBeGreaterThan(rows[i - 1]?.costPerMonth ?? 0);
    }
  });

  it('counts the watchdog by deadlines: a million nightly jobs are about 35 a second', () => {
    expect(watchdogLoad(1_000_000).deadlinesPerSecond).toBe(34.72);
    expect(watchdogLoad(1_000_000).queriesPerSecond).toBe(0.033);
  });

  it('puts one scheduler at the partition limit: one record write per event', () => {
    expect(CAPACITY_INPUTS.partitionWriteUnitsPerSecond).toBe(1_000);
  });
});
