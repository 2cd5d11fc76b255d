/**
 * The one place DynamoDB SDK errors become domain errors, keeping the SDK's error as
 * `cause`: engine trouble is retryable (`EngineUnavailableError`); a value DynamoDB cannot
 * store is an `UnstorableValueError`, since retrying the same value cannot help; a failed
 * condition is an outcome the caller handles, so it is passed through for it to recognise.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EngineUnavailableError, UnstorableValueError } from '@schedmon/domain';

/** True for the SDK error of a condition expression that did not hold. */
export function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

// The engine refused the request as given. Only refusals of a value count as unstorable
// (a number out of range or too precise, an item too large, text that is not Unicode): the
// same exception names also say a request of ours is wrong (an expression, a key schema
// after a bad deploy), which must not park every event as if each were bad.
const REFUSED_BY_ENGINE = new Set(['ValidationException', 'SerializationException']);
const VALUE_REFUSAL = /number|significant digits|item size|maximum allowed size|utf-?8|unicode/i;

// What the SDK's marshaller throws for a value it cannot turn into an attribute (a number
// beyond ±2^53, NaN, Infinity, an unsupported type). It throws before the request is
// sent, so its errors lack the `$metadata` every sent request's errors carry: both are
// checked, so that no network or configuration error is ever taken for bad input.
const MARSHALLER_REFUSAL =
  /_SAFE_INTEGER|Special numeric value|Unsupported type passed|NumberValue|options\.(removeUndefinedValues|convertEmptyValues|convertClassInstanceToMap)|Only Number Set/;

function isUnstorable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (REFUSED_BY_ENGINE.has(error.name)) return VALUE_REFUSAL.test(error.message);
  return !('$metadata' in error) && MARSHALLER_REFUSAL.test(error.message);
}

/**
 * Runs one SDK call; rethrows a value DynamoDB cannot store as `UnstorableValueError`, engine
 * trouble (unreachable, throttled, 5xx, missing table) as `EngineUnavailableError`, and a
 * failed condition unchanged.
 */
export async function dynamo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConditionFailed(error)) throw error;
    const name = (error as { name?: string } | null)?.name ?? 'Error';
    if (isUnstorable(error)) {
      const message = error instanceof Error ? error.message : String(error);
      throw new UnstorableValueError(
        `DynamoDB ${operation} cannot store the value: ${name}: ${message}`,
        { cause: error },
      );
    }
    // Any other refusal of the request is a mistake of ours, not engine trouble: it goes
    // up as it is (the api answers 500, the worker retries it into the DLQ).
    if (REFUSED_BY_ENGINE.has(name)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new EngineUnavailableError(
      'dynamodb',
      `DynamoDB ${operation} failed: ${name}: ${message}`,
      {
        cause: error,
      },
    );
  }
}

/** Drops attributes whose value is null or undefined: absent is how the tables store "none". */
export function withoutNulls<T extends Record<string, unknown>>(item: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(item).filter(([, value]) => value !== null && value !== undefined),
  ) as Partial<T>;
}
