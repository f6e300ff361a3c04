/**
 * The fuzzing harness every target shares. A target is one small file: a name, the inputs (fast-check
 * arbitraries, usually mutations of the seed corpus), the error codes its package may throw, and `run`, which
 * feeds one input to the parser and checks what comes back. The harness enforces the rest of the contract:
 * anything thrown must be a typed error (a string `code` among the declared ones), and one execution must
 * finish within `hangMs`.
 */
import fc from 'fast-check';

export interface FuzzTarget<T = unknown> {
  /** Short name, used by `--target` and in reports (e.g. `amf0-reader`). */
  readonly name: string;
  /** Package and entry point under test (for reports). */
  readonly entry: string;
  /** Codes the entry point may throw: the package's error codes. Anything else is a failure. */
  readonly errorCodes: readonly string[];
  /** The inputs. */
  readonly input: fc.Arbitrary<T>;
  /**
   * Feeds one input to the parser and asserts the contract on the values it returns (`check`, or throw a
   * ContractViolation). Typed errors may escape: the harness accepts them.
   */
  run(input: T): void;
  /** Executions in the CI pass (a fixed count; cheaper targets run more). */
  readonly ciRuns: number;
  /** Longest one execution may take before it counts as a hang (ms). Default 2000. */
  readonly hangMs?: number;
}

export function defineTarget<T>(target: FuzzTarget<T>): FuzzTarget<T> {
  return target;
}

/** A broken contract: a wrong value, an untyped exception, a hang, unbounded memory. Never a parser's own error. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new ContractViolation(typeof message === 'string' ? message : message());
}

export { concatBytes } from '@flvcast/test-fixtures';

/** True for an error with a string `code` among `codes`. */
export function isTypedError(err: unknown, codes: readonly string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && codes.includes(code);
}

/** Typed errors seen so far (also those a target caught itself with `typed`): for the value/error ratio. */
let typedErrorsSeen = 0;

/** Runs `fn`; a typed error (one of `codes`) is returned, anything else thrown is a contract violation. */
export function typed<T>(codes: readonly string[], fn: () => T): { value: T; error?: undefined } | { value?: undefined; error: Error & { code: string } } {
  try {
    return { value: fn() };
  } catch (err) {
    if (err instanceof ContractViolation) throw err;
    if (isTypedError(err, codes)) {
      typedErrorsSeen++;
      return { error: err as Error & { code: string } };
    }
    throw new ContractViolation(`untyped exception: ${describeError(err)}`, { cause: err });
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}${'code' in err ? ` [${String(err.code)}]` : ''}: ${err.message}`;
  return `non-error thrown: ${String(err)}`;
}

export type Outcome = 'value' | 'error';

/** One execution under the harness's contract: returns whether it ended in values only or met a typed error. */
export function execute<T>(target: FuzzTarget<T>, input: T): Outcome {
  const started = performance.now();
  const errorsBefore = typedErrorsSeen;
  let outcome: Outcome = 'value';
  try {
    target.run(input);
  } catch (err) {
    if (err instanceof ContractViolation) throw err;
    if (!isTypedError(err, target.errorCodes)) throw new ContractViolation(`untyped exception: ${describeError(err)}`, { cause: err });
    outcome = 'error';
  }
  if (typedErrorsSeen !== errorsBefore) outcome = 'error';
  const ms = performance.now() - started;
  const bound = target.hangMs ?? 2000;
  if (ms > bound) throw new ContractViolation(`one execution took ${ms.toFixed(0)} ms (bound ${bound} ms)`);
  return outcome;
}

/** The seed of one target in a pass: the pass seed mixed with the target's name, so targets are independent. */
export function targetSeed(passSeed: number, name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h ^ passSeed) >>> 0;
}

export interface RunOptions {
  /** The pass seed (printed; `--seed` replays). */
  seed: number;
  /** Stop after this many executions. */
  runs?: number;
  /** Stop after this many seconds. */
  seconds?: number;
  /** Called every ~250 ms with the executions so far (the watchdog's heartbeat). */
  onProgress?(execs: number): void;
  /** Called before every execution (trace mode: the input that hangs is the last one seen). */
  onInput?(input: unknown): void;
}

export interface RunResult {
  target: string;
  seed: number;
  execs: number;
  /** Executions that ended in a typed error (the rest returned a value). */
  typedErrors: number;
  ms: number;
  failure?: { message: string; counterexample: unknown; shrinks: number; path: string | null };
}

/** Runs one target for a count or a time budget (whichever ends first), shrinking any failure it finds. */
export function runTarget<T>(target: FuzzTarget<T>, opts: RunOptions): RunResult {
  const seed = targetSeed(opts.seed, target.name);
  let execs = 0;
  let typedErrors = 0;
  let lastBeat = performance.now();
  const started = lastBeat;
  const property = fc.property(target.input, (input) => {
    execs++;
    opts.onInput?.(input);
    if (execute(target, input) === 'error') typedErrors++;
    if (opts.onProgress !== undefined) {
      const now = performance.now();
      if (now - lastBeat > 250) {
        lastBeat = now;
        opts.onProgress(execs);
      }
    }
  });
  const plugins = opts.seconds === undefined ? [] : [fc.interruptAfterTimeLimit(opts.seconds * 1000)];
  const details = fc.check(property, { seed, numRuns: opts.runs ?? Number.MAX_SAFE_INTEGER, plugins });
  const result: RunResult = { target: target.name, seed: opts.seed, execs, typedErrors, ms: performance.now() - started };
  if (details.failed) {
    const err = details.errorInstance;
    result.failure = {
      message: err instanceof Error ? `${err.message}${err.cause instanceof Error && err.cause.stack ? `\n  cause: ${err.cause.stack}` : ''}` : String(err),
      counterexample: (details.counterexample as unknown[] | null)?.[0],
      shrinks: details.numShrinks,
      path: details.counterexamplePath,
    };
  }
  return result;
}

/** A JSON-friendly view of an input: byte arrays as hex strings. */
export function showInput(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v instanceof Uint8Array) return `hex:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
      if (typeof v === 'bigint') return `${v}n`;
      if (v === undefined) return '<undefined>';
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      return v;
    },
    1,
  );
}
