/** Registers `bench-0` … `bench-<count-1>` through the api, 50 at a time. */
export async function registerSchedulers(url: string, apiKey: string, count: number) {
  for (let start = 0; start < count; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, (_, offset) =>
        fetch(`${url}/api/v1/schedulers/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify({
            scheduler_id: `bench-${start + offset}`,
            service_name: 'Bench',
            job_name: 'EOD',
          }),
        }),
      ),
    );
  }
}
