/** The object `text` holds as JSON, or undefined for anything else (not a string, not JSON, an array, a number); never throws. */
export function parseJsonObject(text: string | null | undefined): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
