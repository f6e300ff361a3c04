import { splitQuery } from '@flvcast/access/query';

/**
 * Splits a publish/play name like 'cam1?token=abc' into the name and its query parameters (read as every
 * flvcast query is: first value wins, percent-decoded, never throws; see @flvcast/access `parseQuery`).
 */
export function parseStreamName(raw: string): { name: string; query: Record<string, string> } {
  const { path, query } = splitQuery(raw);
  return { name: path, query };
}
