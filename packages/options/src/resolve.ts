import { kindProblem, type OptionAlias, type OptionDescriptor, type OptionTable, type OptionUnit, type OptionValues } from './descriptor.js';

/** A value refused: the option as the caller spelled it (an old spelling stays the old spelling). */
export interface OptionProblem {
  readonly option: string;
  /** "expected an integer from 1 to 1000 (ms), got 0", or "unknown option". */
  readonly message: string;
  /** The type/range part alone, when that is what failed ("an integer from 1 to 1000 (ms)"). */
  readonly expected?: string;
  readonly value?: unknown;
}

/** An old spelling was used: the caller reports `message` once (a log line, a process warning). */
export interface Deprecation {
  readonly alias: string;
  readonly option: string;
  /** new value = old value × factor. */
  readonly factor: number;
  readonly aliasUnit?: OptionUnit;
  readonly optionUnit?: OptionUnit;
  /** One line, e.g. `option "fastCache" is deprecated …: use "fastCacheMs" (milliseconds; fastCache was seconds, ×1000)`. */
  readonly message: string;
}

export interface ResolveSettings {
  /** Names that belong to someone else (Fastify's own `prefix`, `logLevel`…): skipped. */
  readonly ignore?: readonly string[];
  /** An unknown name is a problem (default) or is ignored. */
  readonly unknown?: 'problem' | 'ignore';
}

export interface Resolution<V> {
  /** Every option of the table: the given value, else its default (undefined when it has none). */
  readonly values: V;
  /** Empty when every value is fine. */
  readonly problems: readonly OptionProblem[];
  /** Old spellings used (already converted into `values`). */
  readonly deprecations: readonly Deprecation[];
}

export interface AliasTarget {
  readonly option: string;
  readonly descriptor: OptionDescriptor;
  readonly alias: OptionAlias;
}

const UNIT_WORD: Record<OptionUnit, string> = { ms: 'milliseconds', bytes: 'bytes', frames: 'frames', seconds: 'seconds' };

/** Old spelling → the option it now means. */
export function aliasIndex(table: OptionTable): Map<string, AliasTarget> {
  const out = new Map<string, AliasTarget>();
  for (const [option, descriptor] of Object.entries(table)) for (const alias of descriptor.aliases ?? []) out.set(alias.name, { option, descriptor, alias });
  return out;
}

/** A value as an error message shows it. */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The one-line notice for an old spelling; `name` renders each name (the server adds its flag and variable). */
export function deprecationText(target: AliasTarget, name: (n: string) => string = (n) => `"${n}"`): string {
  const { alias, option, descriptor } = target;
  const factor = alias.factor ?? 1;
  const unit = descriptor.unit === undefined ? '' : UNIT_WORD[descriptor.unit];
  const how =
    factor === 1
      ? `same value${unit === '' ? '' : `, in ${unit}`}`
      : `${unit === '' ? 'a new unit' : unit}; ${alias.name} was ${alias.unit === undefined ? 'another unit' : UNIT_WORD[alias.unit]}, ×${factor}`;
  return `option ${name(alias.name)} is deprecated and will be removed in the next release: use ${name(option)} (${how})`;
}

/**
 * An old spelling's value as the option's: numbers are scaled by the alias's factor (strings holding a
 * number too, as flags and environment variables give them) and rounded when the option takes integers.
 * Values of a plain rename pass unchanged. Returns a problem text when the value cannot be converted.
 */
export function convertAlias(target: AliasTarget, value: unknown): { value: unknown } | { problem: string } {
  const factor = target.alias.factor ?? 1;
  if (factor === 1) return { value };
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    return { problem: `expected a number${target.alias.unit === undefined ? '' : ` (${target.alias.unit})`}, got ${showValue(value)}` };
  }
  const scaled = n * factor;
  return { value: target.descriptor.kind === 'integer' ? Math.round(scaled) : scaled };
}

/**
 * Checks the input against the table and applies defaults. Pure: problems and deprecations are returned,
 * never thrown or logged; each package turns them into its own error class and log line.
 */
export function resolveOptions<T extends OptionTable>(table: T, input: object | undefined, settings: ResolveSettings = {}): Resolution<OptionValues<T>> {
  const aliases = aliasIndex(table);
  const problems: OptionProblem[] = [];
  const deprecations: Deprecation[] = [];
  const given = new Map<string, { value: unknown; from: string; target?: AliasTarget }>();
  for (const [name, value] of Object.entries(input ?? {})) {
    if (value === undefined || settings.ignore?.includes(name)) continue;
    const target = aliases.get(name);
    if (Object.hasOwn(table, name)) {
      const prior = given.get(name);
      if (prior !== undefined) problems.push(bothGiven(prior.from, name));
      else given.set(name, { value, from: name });
    } else if (target !== undefined) {
      const prior = given.get(target.option);
      if (prior !== undefined) {
        problems.push(bothGiven(name, target.option));
        continue;
      }
      const converted = convertAlias(target, value);
      if ('problem' in converted) {
        problems.push({ option: name, message: converted.problem, value });
        continue;
      }
      given.set(target.option, { value: converted.value, from: name, target });
      deprecations.push({
        alias: name,
        option: target.option,
        factor: target.alias.factor ?? 1,
        ...(target.alias.unit === undefined ? {} : { aliasUnit: target.alias.unit }),
        ...(target.descriptor.unit === undefined ? {} : { optionUnit: target.descriptor.unit }),
        message: deprecationText(target),
      });
    } else if (settings.unknown !== 'ignore') {
      problems.push({ option: name, message: 'unknown option' });
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(table)) {
    const entry = given.get(name);
    if (entry === undefined) {
      values[name] = d.default;
      continue;
    }
    const problem = valueProblem(d, entry.value);
    if (problem !== undefined) {
      const note = entry.target !== undefined && entry.target.alias.factor !== undefined && entry.target.alias.factor !== 1 ? ` (as ${name} = ${entry.from} × ${entry.target.alias.factor})` : '';
      problems.push({ ...problem, option: entry.from, message: `${problem.message}${note}` });
      continue;
    }
    values[name] = entry.value;
  }
  return { values: values as OptionValues<T>, problems, deprecations };
}

/** The problem with one value of this descriptor, if any (type and range, then the descriptor's own rule). */
export function valueProblem(d: OptionDescriptor, value: unknown): Omit<OptionProblem, 'option'> | undefined {
  const expected = kindProblem(d, value);
  if (expected !== undefined) return { message: `expected ${expected}, got ${showValue(value)}`, expected, value };
  const checked = d.check?.(value);
  return checked === undefined ? undefined : { message: checked, value };
}

function bothGiven(alias: string, option: string): OptionProblem {
  return { option: alias, message: `the old spelling of "${option}", which is given too: pass only "${option}"` };
}
