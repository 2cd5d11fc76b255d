// `pnpm bench [name …] [--duration s] [--connections n] [--schedulers n]`: runs the
// benchmarks against the real processes on the local engines, prints a table and writes
// bench/results/<date>.json. Each figure stands beside a baseline measured in the same run
// (docs/performance.md).
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { APPS, bundleApp } from '@schedmon/local';
import type { Bench, BenchOptions, Row } from './bench.ts';
import { benchApi } from './bench-api.ts';
import { benchScale } from './bench-scale.ts';
import { benchStack } from './bench-stack.ts';
import { benchWorker } from './bench-worker.ts';
import { appForm, root } from './processes.ts';
import { renderTable } from './table.ts';

const BENCHES: Record<string, Bench> = {
  api: benchApi,
  worker: benchWorker,
  scale: benchScale,
  stack: benchStack,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '32' },
    schedulers: { type: 'string', default: '1000' },
  },
});
const options: BenchOptions = {
  durationSeconds: Number(values.duration),
  connections: Number(values.connections),
  schedulerCount: Number(values.schedulers),
};
const { durationSeconds, connections } = options;

const unknown = positionals.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = positionals.length > 0 ? positionals : Object.keys(BENCHES);
if (appForm === 'bundle') {
  // Always the current code: bundling all three takes about a second.
  for (const app of APPS) await bundleApp(app);
}
// What ran the apps: `bench stack` runs `pnpm start`, which runs the sources.
const apps = selected.includes('stack') ? `${appForm}; bench stack: pnpm start (sources)` : appForm;
process.stderr.write(`apps: ${apps}\n`);
const rows: Row[] = [];
const results: Record<string, unknown> = {};
for (const name of selected) {
  process.stderr.write(`bench ${name}: ${durationSeconds} s, ${connections} connections…\n`);
  const bench = BENCHES[name];
  if (!bench) continue;
  const outcome = await bench(options);
  rows.push(...outcome.rows);
  results[name] = outcome.data;
}

// One file per day; each run is added to it under its own key.
const date = new Date().toISOString().slice(0, 10);
const file = `${root}bench/results/${date}.json`;
const previous = await readFile(file, 'utf8').then(
  (text) => JSON.parse(text) as Record<string, unknown>,
  () => ({}),
);
// Each run names its own machine (the file's first machine stays as it was written: one
// day's runs may come from more than one machine) and what ran the apps.
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
await writeFile(
  file,
  `${JSON.stringify({ machine, ...previous, [`run-${new Date().toISOString()}`]: { machine, durationSeconds, connections, apps, rows, results } }, null, 2)}\n`,
);

process.stdout.write(renderTable(rows));
process.stdout.write(`results: ${file}\n`);
