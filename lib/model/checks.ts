/**
 * Every argument check of the package, one sentence shape for all: "Expected <what> for <name>
 * but received <value>" (`DBN_INVALID_ARGUMENT`). Checks return the value (or its default).
 *
 * Caller's values are read once and the copy is checked and used: a Proxy or a getter that
 * answers differently on a second read cannot slip a value past a check, and one that throws
 * (a revoked Proxy) gives `DBN_INVALID_ARGUMENT` instead of a bare `TypeError`.
 */
import { DistilBertError } from './errors';

function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
    if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
    if (typeof value === 'bigint') return `the BigInt ${value}n`;
    if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`;
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    return `a value of type ${typeof value}`;
  } catch {
    return 'an unreadable value (a revoked Proxy?)';
  }
}

export function invalidArgument(what: string, name: string, value: unknown): DistilBertError {
  return new DistilBertError('DBN_INVALID_ARGUMENT', `Expected ${what} for ${name} but received ${describe(value)}`);
}

/**
 * Runs `read` over a caller's value; what a Proxy trap or getter throws (not our own checks'
 * errors) becomes `DBN_INVALID_ARGUMENT` naming `name`, with the original as `cause`.
 */
export function readCaller<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DistilBertError) throw e;
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const error = new DistilBertError('DBN_INVALID_ARGUMENT', `Could not read ${name}: ${detail.slice(0, 200)}; pass plain values`);
    throw Object.assign(error, { cause: e });
  }
}

/** `Array.isArray` that a revoked Proxy cannot make throw. */
export function isArray(value: unknown, name: string): value is unknown[] {
  return readCaller(name, () => Array.isArray(value));
}

/**
 * A plain copy of a caller's array: its length and each element read once, in order, each
 * checked by `check` as it is read (so a huge sparse array fails at its first hole, not after
 * a copy of all of it). A hole is reported as one.
 */
export function copyArray<T>(value: unknown[], name: string, check: (element: unknown, name: string) => T): T[] {
  return readCaller(name, () => {
    const n = value.length;
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      const element = value[i];
      if (element === undefined && !(i in value)) {
        throw new DistilBertError(
          'DBN_INVALID_ARGUMENT',
          `Expected a value for ${name}[${i}] but received a hole (${name} is a sparse array); pass a dense array`,
        );
      }
      out[i] = check(element, `${name}[${i}]`);
    }
    return out;
  });
}

/** The largest count (topK, threads, lengths) the native side takes: int32. */
export const INT32_MAX = 2 ** 31 - 1;

/** An integer in [min, max] (max defaults to the int32 limit the native side takes), or `fallback` when undefined. */
export function checkInteger(value: unknown, name: string, min: number, max: number | undefined, fallback: number): number;
export function checkInteger(value: unknown, name: string, min: number, max?: number): number | undefined;
export function checkInteger(value: unknown, name: string, min: number, max = INT32_MAX, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`an integer from ${min} to ${max === INT32_MAX ? '2147483647 (2^31 - 1)' : max}`, name, value);
  }
  return value;
}

/** A positive integer up to 2^31 - 1, `fallback` when undefined. */
export function positiveInteger(value: unknown, name: string, fallback: number): number {
  return checkInteger(value, name, 1, INT32_MAX, fallback);
}

/**
 * `topK` of every task: an integer from 1 to 2^31 - 1 (what the native side takes; larger
 * values are capped at the number of candidates anyway), or `null` (all) where `allowNull`.
 */
export function checkTopK(value: unknown, name: string, fallback: number, allowNull: true): number | null;
export function checkTopK(value: unknown, name: string, fallback: number, allowNull?: false): number;
export function checkTopK(value: unknown, name: string, fallback: number, allowNull = false): number | null {
  if (value === null && allowNull) return null;
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > INT32_MAX)) {
    const what = 'an integer from 1 to 2147483647 (2^31 - 1; more candidates than exist gives them all)';
    throw invalidArgument(allowNull ? `${what} or null` : what, name, value);
  }
  return (value as number | undefined) ?? fallback;
}

export function checkOptions(options: unknown, name = 'options'): void {
  if (options === null || typeof options !== 'object') throw invalidArgument('an options object', name, options);
}

/**
 * How a caller named the options a copy holds, when that differs from the names the copy
 * uses (`pipeline()` maps `top_k` to `topK`): messages then say `options.top_k`.
 * @internal
 */
export const OPTION_LABELS: unique symbol = Symbol('distilbert-native.optionLabels');

/**
 * Attaches the caller's names to an options copy, as a non-enumerable property (so the copy
 * still compares equal to a plain object, and spreading does not carry it).
 * @internal
 */
export function withLabels<T extends object>(options: T, labels: Readonly<Record<string, string>>): T {
  if (Object.keys(labels).length > 0) Object.defineProperty(options, OPTION_LABELS, { value: labels });
  return options;
}

/** The names attached by {@link withLabels}, or none. @internal */
export function labelsOf(options: object): Readonly<Record<string, string>> {
  return (options as { [OPTION_LABELS]?: Record<string, string> })[OPTION_LABELS] ?? {};
}

/** How messages name the options of a copy with `labels` attached: `options.top_k` for top_k. @internal */
export function optionLabel(labels: Readonly<Record<string, string>>, name = 'options'): (key: string) => string {
  return (key) => `${name}.${labels[key] ?? key}`;
}

/** A call's options, read once (see {@link readOptions}). */
export interface ReadOptions<T> {
  /** The values, copied from the caller's own enumerable properties. */
  readonly values: Readonly<T>;
  /** The name of an option as messages give it: `options.top_k` when the caller wrote top_k. */
  label(key: keyof T & string): string;
}

/** Lower case without `_` and `-`: `top_k`, `topK` and `TOPK` are one name. */
const squash = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known name closest to `name`: equal but for case, `_` and `-`; else one it begins (3
 * letters at least) or that begins it; else one within an edit distance of a third of its
 * length (at least 2). Ties go to the one written most alike (`local_file_only` suggests
 * `local_files_only`, `localFileOnly` suggests `localFilesOnly`). `undefined` when none is close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const s = squash(name);
  const alike = (k: string): number => editDistance(name.toLowerCase(), k.toLowerCase());
  const best = (candidates: string[]): string | undefined =>
    candidates.reduce<string | undefined>((a, k) => (a === undefined || alike(k) < alike(a) ? k : a), undefined);
  const same = best(known.filter((k) => squash(k) === s));
  if (same !== undefined) return same;
  const prefix = best(known.filter((k) => s.length >= 3 && (squash(k).startsWith(s) || s.startsWith(squash(k)))));
  if (prefix !== undefined) return prefix;
  const limit = Math.max(2, Math.floor(s.length / 3));
  const distances = known.map((k) => editDistance(s, squash(k)));
  const min = Math.min(...distances);
  return min <= limit ? best(known.filter((_, i) => distances[i] === min)) : undefined;
}

/**
 * `DBN_INVALID_ARGUMENT` for an option name `where` does not take, naming the closest known
 * one. `known` lists the names as the caller may write them.
 */
export function unknownOption(key: string, where: string, known: readonly string[], name = 'options'): DistilBertError {
  const close = closestName(key, known);
  return new DistilBertError(
    'DBN_INVALID_ARGUMENT',
    `Unknown option ${JSON.stringify(key)} in ${name} of ${where}${close === undefined ? '' : `; did you mean ${close}?`}` +
      ` (${where} takes ${known.length > 0 ? known.join(', ') : 'no options'})`,
  );
}

/**
 * Reads a call's options once: `undefined` is `{}`; anything but an object rejects; every own
 * enumerable name must be in `known` (else {@link unknownOption}); each value is read once
 * into a plain copy, which the caller then checks and uses.
 */
export function readOptions<T extends object>(
  options: unknown,
  known: readonly (keyof T & string)[],
  where: string,
  name = 'options',
): ReadOptions<T> {
  if (options === undefined) return { values: {} as T, label: optionLabel({}, name) };
  checkOptions(options, name);
  return readCaller(name, () => {
    const given = options as Record<string | symbol, unknown>;
    const labels = labelsOf(given);
    const values: Record<string, unknown> = {};
    for (const key of Object.keys(given)) {
      if (!(known as readonly string[]).includes(key)) throw unknownOption(labels[key] ?? key, where, known, name);
      values[key] = given[key];
    }
    return { values: values as T, label: optionLabel(labels, name) };
  });
}

export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgument('a string', name, value);
  return value;
}

export function checkPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(what, 'path', value);
  return value;
}

/** A copy of an array of strings (`undefined` gives `fallback`). */
export function checkStrings(value: unknown, name: string, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!isArray(value, name)) throw invalidArgument('an array of strings', name, value);
  return copyArray(value, name, checkString);
}

/** A string or a copy of an array of strings, checked; `single` tells which. */
export function checkTexts(input: unknown, name = 'input'): { texts: string[]; single: boolean } {
  if (typeof input === 'string') return { texts: [input], single: true };
  if (!isArray(input, name)) throw invalidArgument('a string or an array of strings', name, input);
  return { texts: copyArray(input, name, checkString), single: false };
}

/**
 * A copy of token ids (an array or typed array), each an integer from 0 to 2^31 - 1, as an
 * Int32Array; each element read once.
 */
export function checkIds(value: unknown, name: string): Int32Array {
  // isView first: it runs no Proxy trap, and a real typed array is never a Proxy.
  const view = ArrayBuffer.isView(value);
  if (view && value instanceof Int32Array) return value.slice();
  if (!(view && !(value instanceof DataView)) && !isArray(value, name)) throw invalidArgument('an array of token ids', name, value);
  const id = (v: unknown, at: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > INT32_MAX) throw invalidArgument('a token id (an integer from 0)', at, v);
    return v;
  };
  return Int32Array.from(copyArray(value as unknown[], name, id));
}

export function checkBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArgument('a boolean', name, value);
  return value;
}

export function checkChoice<T extends string>(value: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) {
    throw invalidArgument(choices.map((c) => `'${c}'`).join(', ').replace(/, ([^,]*)$/, ' or $1'), name, value);
  }
  return value as T;
}

export function checkSignal(signal: unknown, name = 'options.signal'): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  // A Proxy is never an AbortSignal the platform can listen to (and instanceof would run its trap).
  if (!readCaller(name, () => signal instanceof AbortSignal)) throw invalidArgument('an AbortSignal', name, signal);
  return signal as AbortSignal;
}
