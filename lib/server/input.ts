/**
 * Request-shape checks the library does not make: how many texts, how long each may be, and
 * characters that never belong in text (NUL). Type errors are the library's own messages.
 */
import { invalidArgumentError, HttpError } from './errors';

export interface InputLimits {
  /** Texts per request; default 256. */
  maxInputs: number;
  /** UTF-16 code units per text; default 100,000. */
  maxStringLength: number;
}

export function checkText(value: unknown, name: string, limits: InputLimits): string {
  if (typeof value !== 'string') throw invalidArgumentError('a string', name, value);
  if (value.length > limits.maxStringLength) {
    throw new HttpError(413, 'DBN_INPUT_TOO_LONG', `${name} is ${value.length} characters long, over the ${limits.maxStringLength}-character limit`);
  }
  if (value.includes('\u0000')) throw new HttpError(400, 'DBN_INVALID_ARGUMENT', `${name} holds a NUL character; send text without U+0000`);
  return value;
}

/** A string or a non-empty array of strings, within the limits. */
export function checkTexts(value: unknown, name: string, limits: InputLimits): { texts: string[]; single: boolean } {
  if (typeof value === 'string') return { texts: [checkText(value, name, limits)], single: true };
  if (!Array.isArray(value) || value.length === 0) throw invalidArgumentError('a string or a non-empty array of strings', name, value);
  if (value.length > limits.maxInputs) {
    throw new HttpError(413, 'DBN_INPUT_TOO_LONG', `${name} holds ${value.length} texts, over the ${limits.maxInputs}-text limit; split the request`);
  }
  return { texts: value.map((v, i) => checkText(v, `${name}[${i}]`, limits)), single: false };
}

/** A plain object (or undefined → {}). */
export function checkObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgumentError('an object', name, value);
  return value as Record<string, unknown>;
}

/** Only these keys. */
export function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], name: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new HttpError(400, 'DBN_INVALID_ARGUMENT', `Unknown field ${name}.${k}; expected only ${allowed.join(', ')}`);
    }
  }
}
