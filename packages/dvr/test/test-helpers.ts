import type { DvrLog } from '../src/index.js';

/** A DvrLog that keeps its lines, for assertions on what was logged and at which level. */
export function logger(): { lines: { level: string; fields: Record<string, unknown>; msg: string }[]; log: DvrLog } {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/** The onMetaData fields the tests read. */
export interface Meta {
  duration: number;
  filesize: number;
  encoder?: string;
  width?: number;
  height?: number;
  videocodecid?: number;
  audiocodecid?: number;
  framerate?: number;
  keyframes: { times: number[]; filepositions: number[] };
}
