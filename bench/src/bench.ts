/** What every benchmark takes from the command line. */
export type BenchOptions = {
  /** How long each load phase runs (`--duration`). */
  durationSeconds: number;
  /** autocannon connections of the P1 load (`--connections`). */
  connections: number;
  /** How many `bench-<n>` schedulers the api and worker benches register (`--schedulers`). */
  schedulerCount: number;
};

/** One line of the printed table: a figure beside its same-run baseline and its target. */
export type Row = {
  bar: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
  /** Whether the target was met; null when the row has no target. */
  met: boolean | null;
};

/** What a benchmark returns: rows for the table, data for the results file. */
export type BenchOutcome = { rows: Row[]; data: Record<string, unknown> };

export type Bench = (options: BenchOptions) => Promise<BenchOutcome>;
