// The load generator, run as its own process so it does not share the api's event loop:
// `node src/load.ts '<json options>'` prints autocannon's result as JSON on stdout.
import autocannon from 'autocannon';

/** What load.ts reads from its one argument, as JSON. */
export type LoadOptions = {
  url: string;
  connections: number;
  durationSeconds: number;
  apiKey: string;
  schedulers: number;
  /** `status`: PUT status to random schedulers; `bare`: the baseline route. */
  target: 'status' | 'bare';
  /** Requests per second over all connections; unset means as fast as possible. */
  rate?: number;
  /** Each status write with its own `Idempotency-Key`, as the typed client sends them. */
  keyed?: boolean;
};

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
let counter = 0;

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationSeconds,
  ...(options.rate ? { overallRate: options.rate } : {}),
  requests: [
    {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      setupRequest: (request) => {
        counter += 1;
        const id = `bench-${counter % options.schedulers}`;
        const body = JSON.stringify({
          scheduler_id: id,
          service_name: `Bench ${counter % 37}`,
          job_name: 'EOD',
          status: counter % 10 === 0 ? 'completed' : 'running',
          timestamp: new Date().toISOString(),
          execution_time_ms: counter % 10 === 0 ? 1_500 : undefined,
        });
        return {
          ...request,
          ...(options.keyed
            ? {
                headers: {
                  ...request.headers,
                  'idempotency-key': `bench-${process.pid}-${counter}`,
                },
              }
            : {}),
          path: options.target === 'bare' ? `/bare/${id}` : `/api/v1/schedulers/${id}/status`,
          body,
        };
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result));
