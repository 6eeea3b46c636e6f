/** What every pipeline shares: the model's parts, input checks, encoding limits, softmax. */
import type { Batcher } from '../batcher';
import { DistilBertError, invalidArgument } from '../errors';
import type { NativeModel } from '../native';
import type { Encoding, Tokenizer } from '../Tokenizer';

/** The parts of a loaded model a pipeline runs on. */
export interface PipelineContext {
  readonly native: NativeModel;
  readonly tokenizer: Tokenizer;
  readonly batcher: Batcher;
}

/** Options every inference call takes. */
export interface CallOptions {
  /** Aborting rejects the call with `DBN_ABORTED` and drops its work that has not started. */
  signal?: AbortSignal;
}

export function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') throw invalidArgument('an options object', 'options', options);
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalidArgument('an AbortSignal', 'options.signal', signal);
  return signal;
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

export function maxLengthOf(ctx: PipelineContext): number {
  return ctx.native.info.config.maxPositionEmbeddings;
}

/** Throws `DBN_UNSUPPORTED_MODEL` unless the checkpoint has the head a pipeline needs. */
export function requireHead(ctx: PipelineContext, architecture: string, what: string): void {
  const actual = ctx.native.info.config.architecture;
  if (actual !== architecture) {
    throw new DistilBertError(
      'DBN_UNSUPPORTED_MODEL',
      `${what} needs a ${architecture} checkpoint but this model is ${actual}; load a checkpoint fine-tuned for it`,
    );
  }
}

export function tooLong(index: number, length: number, max: number): DistilBertError {
  return new DistilBertError(
    'DBN_INPUT_TOO_LONG',
    `Input ${index} is ${length} tokens long but the model accepts at most ${max}; shorten it` +
      ' (or pass truncation: true where the call offers it)',
  );
}

/**
 * Encodes single texts with special tokens. Over the model's position limit: cut to it when
 * `truncate`, else `DBN_INPUT_TOO_LONG`.
 */
export function encodeTexts(ctx: PipelineContext, texts: string[], truncate: boolean): Encoding[] {
  const max = maxLengthOf(ctx);
  const encodings = ctx.tokenizer.encodeBatch(texts, truncate ? { truncation: true, maxLength: max } : {});
  encodings.forEach((e, i) => {
    if (e.ids.length > max) throw tooLong(i, e.ids.length, max);
  });
  return encodings;
}

/** Softmax in float64 over `logits[offset, offset + n)` (max-shifted, as HF's NumPy code). */
export function softmax(logits: ArrayLike<number>, offset: number, n: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(logits[offset + i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / sum;
  return out;
}

/** Index of the largest value; the first one on ties (NumPy's argmax). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
