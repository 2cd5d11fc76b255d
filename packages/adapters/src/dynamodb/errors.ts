/**
 * The one place DynamoDB SDK errors become domain errors: engine trouble is retryable
 * (`EngineUnavailableError`, original kept as `cause`); a failed condition is an outcome
 * the caller handles, so it is passed through for it to recognise.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EngineUnavailableError } from '@schedmon/domain';

/** True for the SDK error of a condition expression that did not hold. */
export function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}

// Mistakes in our own requests: retrying cannot help, so they surface as they are.
const PROGRAMMING_ERRORS = new Set(['ValidationException', 'SerializationException']);

/**
 * Runs one SDK call; rethrows engine trouble (unreachable, throttled, 5xx, missing table)
 * as `EngineUnavailableError`, and a failed condition unchanged.
 */
export async function dynamo<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConditionFailed(error)) throw error;
    const name = (error as { name?: string } | null)?.name ?? 'Error';
    if (PROGRAMMING_ERRORS.has(name)) throw error;
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
