/**
 * Every argument check of the package, one sentence shape for all: "Expected <what> for <name>
 * but received <value>" (`DBN_INVALID_ARGUMENT`). Checks return the value (or its default).
 */
import { DistilBertError } from './errors';

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a value of type ${typeof value}`;
}

export function invalidArgument(what: string, name: string, value: unknown): DistilBertError {
  return new DistilBertError('DBN_INVALID_ARGUMENT', `Expected ${what} for ${name} but received ${describe(value)}`);
}

const INT32_MAX = 2 ** 31 - 1;

/** An integer in [min, max] (max defaults to the int32 limit the native side takes), or `fallback` when undefined. */
export function checkInteger(value: unknown, name: string, min: number, max: number | undefined, fallback: number): number;
export function checkInteger(value: unknown, name: string, min: number, max?: number): number | undefined;
export function checkInteger(value: unknown, name: string, min: number, max = INT32_MAX, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(max === INT32_MAX ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, name, value);
  }
  return value;
}

/** A positive integer, `fallback` when undefined. */
export function positiveInteger(value: unknown, name: string, fallback: number): number {
  return checkInteger(value, name, 1, INT32_MAX, fallback);
}

/** `topK`: a positive integer, or `null` (all) where `allowNull`. */
export function checkTopK(value: unknown, fallback: number | null, allowNull: boolean): number | null {
  if (value === null && allowNull) return null;
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)) {
    throw invalidArgument(allowNull ? 'a positive integer or null' : 'a positive integer', 'options.topK', value);
  }
  return (value as number | undefined) ?? fallback;
}

export function checkOptions(options: unknown, name = 'options'): void {
  if (options === null || typeof options !== 'object') throw invalidArgument('an options object', name, options);
}

export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgument('a string', name, value);
  return value;
}

export function checkPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(what, 'path', value);
  return value;
}

/** An array of strings (`undefined` gives `fallback`). */
export function checkStrings(value: unknown, name: string, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidArgument('an array of strings', name, value);
  return value as string[];
}

/** A string or an array of strings, checked; `single` tells which. */
export function checkTexts(input: unknown, name = 'input'): { texts: string[]; single: boolean } {
  if (typeof input === 'string') return { texts: [input], single: true };
  if (!Array.isArray(input)) throw invalidArgument('a string or an array of strings', name, input);
  input.forEach((t, i) => {
    if (typeof t !== 'string') throw invalidArgument('a string', `${name}[${i}]`, t);
  });
  return { texts: input as string[], single: false };
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

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalidArgument('an AbortSignal', 'options.signal', signal);
  return signal;
}
