/** The two logger calls a source makes: a pino/Fastify logger fits, and tests pass their own. */
export interface SourceLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
