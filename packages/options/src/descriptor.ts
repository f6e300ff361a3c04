/**
 * Option descriptors: each option of flvcast (hub, plugins, server) is declared once, here-shaped, next to
 * the code that uses it. Validators, the server's JSON schema, its flags and environment variables, and the
 * docs tables are all derived from these declarations.
 */

/** What a number counts. Durations are in `ms` (the name ends in `Ms`), sizes in `bytes` (`Bytes`). */
export type OptionUnit = 'ms' | 'bytes' | 'frames' | 'seconds';

export type OptionKind = 'boolean' | 'integer' | 'number' | 'string' | 'enum' | 'list' | 'custom';

/** An old spelling still accepted for one release, with one deprecation warning. */
export interface OptionAlias {
  readonly name: string;
  /** new value = old value × factor (seconds → milliseconds: 1000). Absent: the same value (a plain rename). */
  readonly factor?: number;
  /** The old spelling's unit when it differs from the option's (docs and warnings). */
  readonly unit?: OptionUnit;
}

/**
 * The option is a setting of the `flvcast` server too (a config key, a flag and an environment variable).
 * `true`: as declared; an object: the server's own default or a narrower range (an operator's safe range
 * may be narrower than what a library user may pass).
 */
export interface ServerSpec<T> {
  readonly default?: T;
  readonly min?: number;
  readonly max?: number;
  /** The server takes whole numbers only. */
  readonly integer?: boolean;
}

export interface OptionDescriptor<T = unknown> {
  readonly kind: OptionKind;
  /** One line: what the option does. */
  readonly doc: string;
  /** Absent: the option is optional and resolves to undefined. */
  readonly default?: T;
  /** The default as the docs show it, when the value itself says little (a function, a computed value). */
  readonly defaultText?: string;
  readonly unit?: OptionUnit;
  /** Numbers: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Enums: the allowed values; lists: the allowed items. */
  readonly values?: readonly string[];
  /** Strings and list items: a regular expression (JSON-schema syntax: the JavaScript source, unanchored). */
  readonly pattern?: string;
  /** Lists: at least this many items. */
  readonly minItems?: number;
  /** Custom options: the type as the docs name it (`function`, `Hub`, `{ host, port, tls? }`). */
  readonly typeName?: string;
  /** Custom options: what a wrong value is told it should be ("a function"). */
  readonly expected?: string;
  readonly aliases?: readonly OptionAlias[];
  readonly server?: true | ServerSpec<T>;
  /** Custom options: the type test. */
  is?(value: unknown): boolean;
  /** A rule beyond the type and range; returns the problem ("expected …, got …"), undefined when fine. */
  check?(value: T): string | undefined;
  /** Type-level only: the option's value type. Never set. */
  readonly __value?: T;
}

/** A set of options by name. */
export type OptionTable = Readonly<Record<string, OptionDescriptor>>;

/** The value type of one descriptor. */
export type OptionValue<D> = D extends { readonly __value?: infer T } ? Exclude<T, undefined> : never;

type HasDefault<D> = D extends { readonly default: unknown } ? true : false;

/** The resolved options: defaults applied; an option without a default may be undefined. */
export type OptionValues<T> = { -readonly [K in keyof T]: HasDefault<T[K]> extends true ? OptionValue<T[K]> : OptionValue<T[K]> | undefined };

/** What a caller may pass: every option optional. */
export type OptionInput<T> = { [K in keyof T]?: OptionValue<T[K]> };

/** Options the `flvcast` server exposes. */
export type ServerKeys<T> = { [K in keyof T]: T[K] extends { readonly server: true | object } ? K : never }[keyof T];

/** The old spellings the table still accepts. */
export type AliasNames<T> = {
  [K in keyof T]: T[K] extends { readonly aliases: readonly (infer A)[] } ? (A extends { readonly name: infer N } ? N : never) : never;
}[keyof T];

type Common<T> = Omit<OptionDescriptor<T>, 'kind' | '__value' | 'values' | 'typeName' | 'expected' | 'is' | 'pattern' | 'minItems' | 'min' | 'max'>;
/** What a builder returns: the spec as written (literal types kept), the rest of the descriptor's fields, the kind. */
type Built<S, T, K extends OptionKind> = S & Omit<OptionDescriptor<T>, keyof S | 'kind' | '__value'> & { readonly kind: K; readonly __value?: T };

export type BooleanSpec = Omit<Common<boolean>, 'unit'>;
export type NumberSpec = Common<number> & { readonly min?: number; readonly max?: number };
export type StringSpec = Omit<Common<string>, 'unit'> & { readonly pattern?: string };
export type EnumSpec<V extends string> = Omit<Common<V>, 'unit'>;
export type ListSpec<V extends string> = Omit<Common<V[]>, 'unit'> & { readonly pattern?: string; readonly minItems?: number };
export type CustomSpec<T> = Omit<Common<T>, 'server' | 'unit'> & {
  readonly typeName: string;
  readonly expected: string;
  is(value: unknown): value is T;
};

function boolean<const S extends BooleanSpec>(spec: S): Built<S, boolean, 'boolean'> {
  return { kind: 'boolean', ...spec } as Built<S, boolean, 'boolean'>;
}

function integer<const S extends NumberSpec>(spec: S): Built<S, number, 'integer'> {
  return { kind: 'integer', ...spec } as Built<S, number, 'integer'>;
}

function number<const S extends NumberSpec>(spec: S): Built<S, number, 'number'> {
  return { kind: 'number', ...spec } as Built<S, number, 'number'>;
}

function string<const S extends StringSpec>(spec: S): Built<S, string, 'string'> {
  return { kind: 'string', ...spec } as Built<S, string, 'string'>;
}

function oneOf<const V extends readonly string[], const S extends EnumSpec<V[number]>>(values: V, spec: S): Built<S & { readonly values: V }, V[number], 'enum'> {
  return { kind: 'enum', values, ...spec } as Built<S & { readonly values: V }, V[number], 'enum'>;
}

/** A list of strings (a repeatable flag; comma-separated in the environment). */
function list<const S extends ListSpec<string>>(spec: S): Built<S, string[], 'list'> {
  return { kind: 'list', ...spec } as Built<S, string[], 'list'>;
}

/** A list whose items come from a fixed set. */
function listOf<const V extends readonly string[], const S extends ListSpec<V[number]>>(values: V, spec: S): Built<S & { readonly values: V }, V[number][], 'list'> {
  return { kind: 'list', values, ...spec } as Built<S & { readonly values: V }, V[number][], 'list'>;
}

/** Anything else (functions, objects): the library user's, never the server's. */
function custom<T, const S extends CustomSpec<T>>(spec: S & { is(value: unknown): value is T }): Built<S, T, 'custom'> {
  return { kind: 'custom', ...spec } as Built<S, T, 'custom'>;
}

/**
 * A function the library user may pass (a hook, a lookup, a notification), optional, without a default:
 * `option.callback<AccessHook>('decides …')`. Its type is the caller's to state; the check is `typeof`.
 */
function callback<F extends (...args: never[]) => unknown>(doc: string): Built<{ readonly doc: string; readonly typeName: 'function'; readonly expected: 'a function' }, F, 'custom'> {
  return custom({ typeName: 'function', expected: 'a function', doc, is: (v): v is F => typeof v === 'function' }) as Built<
    { readonly doc: string; readonly typeName: 'function'; readonly expected: 'a function' },
    F,
    'custom'
  >;
}

/** The descriptor builders: `option.integer({ min: 1, default: 4096, unit: 'bytes', doc: '…' })`. */
export const option = { boolean, integer, number, string, oneOf, list, listOf, custom, callback };

const UNIT_SUFFIX: Partial<Record<OptionUnit, string>> = { ms: 'Ms', bytes: 'Bytes' };

/**
 * Declares a table of options. Checks the house rules at load time (a programming error throws): a duration
 * is named …Ms, a size …Bytes; aliases don't clash with options or each other; defaults pass their own rules.
 */
export function defineOptions<const T extends OptionTable>(table: T): T {
  const names = new Set(Object.keys(table));
  for (const [name, d] of Object.entries(table)) {
    const suffix = d.unit === undefined ? undefined : UNIT_SUFFIX[d.unit];
    if (suffix !== undefined && !name.endsWith(suffix)) throw new Error(`option "${name}" is in ${d.unit}: its name must end in ${suffix}`);
    for (const alias of d.aliases ?? []) {
      if (names.has(alias.name)) throw new Error(`alias "${alias.name}" of "${name}" is already a name in this table`);
      names.add(alias.name);
    }
    if (d.default !== undefined && kindProblem(d, d.default) !== undefined) throw new Error(`option "${name}": its default ${JSON.stringify(d.default)} breaks its own rule`);
  }
  return table;
}

/** The part of a table whose names are listed (in that order). */
export function pickOptions<T extends OptionTable, const K extends keyof T & string>(table: T, names: readonly K[]): Pick<T, K> {
  return Object.fromEntries(names.map((n) => [n, table[n]])) as Pick<T, K>;
}

/** The table without the listed names. */
export function omitOptions<T extends OptionTable, const K extends keyof T & string>(table: T, names: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(table).filter(([n]) => !(names as readonly string[]).includes(n))) as Omit<T, K>;
}

/**
 * The options the server exposes, each as the server takes it (its default and range applied). Every one
 * must have a default: a server setting is never "unset".
 */
export function serverOptions<T extends OptionTable>(table: T): Pick<T, ServerKeys<T>> {
  const out: Record<string, OptionDescriptor> = {};
  for (const [name, d] of Object.entries(table)) {
    if (d.server === undefined) continue;
    if (d.kind === 'custom') throw new Error(`option "${name}" is a ${d.typeName ?? 'custom value'}: a server setting must be a boolean, number, string or list`);
    const spec: ServerSpec<unknown> = d.server === true ? {} : d.server;
    const effective: OptionDescriptor = {
      ...d,
      ...(spec.integer === true && d.kind === 'number' ? { kind: 'integer' } : {}),
      ...(spec.min === undefined ? {} : { min: spec.min }),
      ...(spec.max === undefined ? {} : { max: spec.max }),
      ...('default' in spec ? { default: spec.default } : {}),
    };
    if (effective.default === undefined) throw new Error(`option "${name}" is a server setting: it needs a default`);
    if (kindProblem(effective, effective.default) !== undefined) throw new Error(`option "${name}": its server default breaks its server rule`);
    out[name] = effective;
  }
  return out as Pick<T, ServerKeys<T>>;
}

/** The defaults of a table (options without one are left out). */
export function optionDefaults<T extends OptionTable>(table: T): Partial<OptionValues<T>> {
  return Object.fromEntries(Object.entries(table).flatMap(([n, d]) => (d.default === undefined ? [] : [[n, d.default]]))) as Partial<OptionValues<T>>;
}

/** What a value of this descriptor must be, in words ("an integer from 1 to 1000000 (ms)"). */
export function expectedText(d: OptionDescriptor): string {
  const unit = d.unit === undefined ? '' : ` (${d.unit})`;
  switch (d.kind) {
    case 'boolean':
      return 'a boolean';
    case 'integer':
    case 'number': {
      const what = d.kind === 'integer' ? 'an integer' : 'a number';
      if (d.min !== undefined && d.max !== undefined) return `${what} from ${d.min} to ${d.max}${unit}`;
      if (d.kind === 'integer' && d.min === 1) return `a positive integer${unit}`;
      if (d.min !== undefined) return `${what} >= ${d.min}${unit}`;
      if (d.max !== undefined) return `${what} <= ${d.max}${unit}`;
      return `${what}${unit}`;
    }
    case 'string':
      return d.pattern === undefined ? 'a string' : `a string matching /${d.pattern}/`;
    case 'enum':
      return `one of ${(d.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'list': {
      const items = d.values !== undefined ? ` of ${d.values.map((v) => JSON.stringify(v)).join(', ')}` : d.pattern !== undefined ? ` of strings matching /${d.pattern}/` : ' of strings';
      return `a list${items}${d.minItems !== undefined && d.minItems > 0 ? ` (at least ${d.minItems})` : ''}`;
    }
    case 'custom':
      return d.expected ?? 'a valid value';
  }
}

/** undefined when the value has the descriptor's type and range; else what was expected. */
export function kindProblem(d: OptionDescriptor, value: unknown): string | undefined {
  const ok = (() => {
    switch (d.kind) {
      case 'boolean':
        return typeof value === 'boolean';
      case 'integer':
      case 'number':
        return (
          typeof value === 'number' &&
          (d.kind === 'integer' ? Number.isInteger(value) : Number.isFinite(value)) &&
          (d.min === undefined || value >= d.min) &&
          (d.max === undefined || value <= d.max)
        );
      case 'string':
        return typeof value === 'string' && (d.pattern === undefined || new RegExp(d.pattern).test(value));
      case 'enum':
        return typeof value === 'string' && (d.values ?? []).includes(value);
      case 'list':
        return (
          Array.isArray(value) &&
          value.length >= (d.minItems ?? 0) &&
          value.every((v) => typeof v === 'string' && (d.values === undefined || d.values.includes(v)) && (d.pattern === undefined || new RegExp(d.pattern).test(v)))
        );
      case 'custom':
        return d.is === undefined || d.is(value);
    }
  })();
  return ok ? undefined : expectedText(d);
}
