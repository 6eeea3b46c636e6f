/**
 * The closed list of error codes. Kept in the same order as `ErrorCode` in
 * native/common/error.h; test/unit/errors.test.ts checks the two against each other.
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
  'DBN_NATIVE_UNAVAILABLE',
  'DBN_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error this package throws or rejects with is one, with a `code` from {@link ERROR_CODES}. */
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

/**
 * The package's form of anything a native call threw: the addon throws plain `Error`s with a
 * `.code`; they become a `DistilBertError` with the same code, message and stack. Anything
 * without a known code is a bug of ours: `DBN_INTERNAL`.
 * @internal
 */
export function toDistilBertError(error: unknown): DistilBertError {
  if (error instanceof DistilBertError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const out = (ERROR_CODES as readonly unknown[]).includes(code)
    ? new DistilBertError(code as ErrorCode, message)
    : new DistilBertError('DBN_INTERNAL', `Native code failed unexpectedly: ${message}; please report it`);
  const frames = error instanceof Error ? error.stack?.split('\n').slice(1).join('\n') : undefined;
  if (frames) out.stack = `${out.name}: ${out.message}\n${frames}`;
  return out;
}

/**
 * Runs a synchronous native call, throwing what it throws as a `DistilBertError`.
 * @internal
 */
export function nativeCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toDistilBertError(e);
  }
}
