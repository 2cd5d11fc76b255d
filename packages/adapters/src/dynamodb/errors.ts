/**
 * The one place DynamoDB SDK errors become domain errors, keeping the SDK's error as
 * `cause`: engine trouble is retryable (`EngineUnavailableError`); a value DynamoDB cannot
 * store is a `ValidationError`, since retrying the same value cannot help; a failed
 * condition is an outcome the caller handles, so it is passed through for it to recognise.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EngineUnavailableError, ValidationError } from '@schedmon/domain';

/** True for the SDK error of a condition expression that did not hold. */
export function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

// The engine refused the request as given: a number out of its range, an item too large.
const REFUSED_BY_ENGINE = new Set(['ValidationException', 'SerializationException']);

// What the SDK's marshaller throws for a value it cannot turn into an attribute (a number
// beyond ±2^53, NaN, Infinity, an unsupported type). It throws before the request is
// sent, so its errors lack the `$metadata` every sent request's errors carry: both are
// checked, so that no network or configuration error is ever taken for bad input.
const MARSHALLER_REFUSAL =
  /_SAFE_INTEGER|Special numeric value|Unsupported type passed|NumberValue|options\.(removeUndefinedValues|convertEmptyValues|convertClassInstanceToMap)|Only Number Set/;

/** What DynamoDB cannot store as given; `cause` is the SDK's error. */
class UnstorableValueError extends ValidationError {
  constructor(operation: string, error: unknown) {
    const name = (error as { name?: string } | null)?.name ?? 'Error';
    const message = error instanceof Error ? error.message : String(error);
    super([`DynamoDB ${operation} cannot store the value: ${name}: ${message}`]);
    this.name = 'UnstorableValueError';
    // ValidationError takes no options: the cause is set as Error's own constructor would.
    this.cause = error;
  }
}

function isUnstorable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (REFUSED_BY_ENGINE.has(error.name)) return true;
  return !('$metadata' in error) && MARSHALLER_REFUSAL.test(error.message);
}

/**
 * Runs one SDK call; rethrows a value DynamoDB cannot store as `ValidationError`, engine
 * trouble (unreachable, throttled, 5xx, missing table) as `EngineUnavailableError`, and a
 * failed condition unchanged.
 */
export async function dynamo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConditionFailed(error)) throw error;
    if (isUnstorable(error)) throw new UnstorableValueError(operation, error);
    const name = (error as { name?: string } | null)?.name ?? 'Error';
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
