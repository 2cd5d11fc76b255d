/**
 * The logging the notifiers need, structurally: the apps' pino logger fits it as is, and the
 * adapters need not depend on the runtime package for it.
 */
export type NotifierLogger = {
  /** Optional because a successful call is worth logging only where debug output exists. */
  debug?(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
};
