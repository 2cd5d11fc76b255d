/**
 * A failure to inject into the fake's answers. With neither `status` nor `error` it only
 * delays (`delayMs`) and then answers normally, to simulate a slow Slack or a client timeout.
 */
export type Fault = {
  /** Only calls to this Web API method fail; every method when omitted. */
  method?: string;
  /** HTTP status; 429 adds `Retry-After`. Defaults to 200 when `error` is set, else 500. */
  status?: number;
  /** The `error` of the `{ ok: false }` body; defaults to `ratelimited` for 429, else `fatal_error`. */
  error?: string;
  /** Seconds in the `Retry-After` header of a 429; default 1. */
  retryAfterSeconds?: number;
  /** Waits this long before answering (the call is dropped if the client gives up first). */
  delayMs?: number;
};

/** An answer chosen for an injected failure. */
type FaultAnswer = {
  status: number;
  headers: Record<string, string>;
  body: { ok: false; error: string };
};

/** Holds injected faults; the oldest one matching a call is used first. */
export function createFaultQueue() {
  const pending: { fault: Fault; remaining: number }[] = [];

  return {
    add(fault: Fault, times: number): void {
      if (times > 0) pending.push({ fault, remaining: times });
    },
    /** Consumes one use of the first fault that applies to `method`, if any. */
    take(method: string): Fault | undefined {
      const index = pending.findIndex(
        (entry) => entry.fault.method === undefined || entry.fault.method === method,
      );
      const entry = pending[index];
      if (entry === undefined) return undefined;
      entry.remaining -= 1;
      if (entry.remaining <= 0) pending.splice(index, 1);
      return entry.fault;
    },
    clear(): void {
      pending.length = 0;
    },
  };
}

/** The failure answer for `fault`, or `undefined` for a delay-only fault. */
export function faultAnswer(fault: Fault): FaultAnswer | undefined {
  if (fault.status === undefined && fault.error === undefined) return undefined;
  const status = fault.status ?? (fault.error === undefined ? 500 : 200);
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = String(fault.retryAfterSeconds ?? 1);
  const error = fault.error ?? (status === 429 ? 'ratelimited' : 'fatal_error');
  return { status, headers, body: { ok: false, error } };
}
