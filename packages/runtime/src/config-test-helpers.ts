// Test scaffolding shared by the config tests; not exported by the package.
import { ConfigError, loadConfig } from './env-schema.ts';

/** Runs the loader and returns the ConfigError it throws, failing the test if it does not. */
export function problemsOf(
  schema: Parameters<typeof loadConfig>[0],
  given: Record<string, string>,
) {
  try {
    loadConfig(schema, given);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}
