/**
 * The closed list of error codes. Kept in the same order as `ErrorCode` in
 * native/common/error.h; test/errors.test.ts checks the two against each other.
 */
export const ERROR_CODES = [
  'DBN_INVALID_ARGUMENT',
  'DBN_MODEL_LOAD_FAILED',
  'DBN_UNSUPPORTED_MODEL',
  'DBN_INPUT_TOO_LONG',
  'DBN_NO_MASK',
  'DBN_CUDA_UNAVAILABLE',
  'DBN_OUT_OF_MEMORY',
  'DBN_OVERLOADED',
  'DBN_ABORTED',
  'DBN_DISPOSED',
  'DBN_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error this package throws or rejects with has a `code` from {@link ERROR_CODES}. */
export class DistilBertError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DistilBertError';
    this.code = code;
  }
}

export function isDistilBertError(e: unknown): e is Error & { code: ErrorCode } {
  return e instanceof Error && (ERROR_CODES as readonly string[]).includes((e as { code?: string }).code ?? '');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a value of type ${typeof value}`;
}

/** "Expected <what> for <name> but received <value>" — one sentence shape for every argument. */
export function invalidArgument(what: string, name: string, value: unknown): DistilBertError {
  return new DistilBertError('DBN_INVALID_ARGUMENT', `Expected ${what} for ${name} but received ${describe(value)}`);
}

export function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalidArgument('a positive integer', name, value);
  }
  return value;
}
