/** The logger calls the directory makes: a pino/Fastify logger fits, and tests pass their own. */
export interface ClusterLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}
