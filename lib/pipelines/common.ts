/** What every pipeline shares: the call's opening checks, encoding to ids, limits, softmax. */
import type { ModelParts } from '../model/ModelBase';
import { checkSignal, checkTexts, readOptions, type ReadOptions } from '../model/checks';
import { DistilBertError, nativeCall } from '../model/errors';
import type { Encoding } from '../model/Tokenizer';
import { TASKS, type PipelineTask } from './registry';

/** The parts of a loaded model a pipeline runs on. */
export type PipelineContext = ModelParts;

/** Options every inference call takes. */
export interface CallOptions {
  /** Aborting rejects the call with `DBN_ABORTED` and drops its work that has not started. */
  signal?: AbortSignal;
}

/**
 * A call's checked input: its texts (a copy), whether a single string was given, its signal,
 * and its options read once (`options.values`, names for messages from `options.label`).
 */
export interface OpenedCall<T> {
  texts: string[];
  single: boolean;
  signal: AbortSignal | undefined;
  options: ReadOptions<T>;
}

/**
 * A task's options read once, with the registry's option names for the task: any other name
 * rejects, naming the closest known one.
 */
export function readTaskOptions<T extends CallOptions>(options: unknown, task: PipelineTask): ReadOptions<T> {
  const { options: names, method } = TASKS[task];
  return readOptions<T>(options, Object.keys(names) as (keyof T & string)[], method);
}

/**
 * The opening checks of a call over texts: the options (read once: the task's names from the
 * registry, or `names` for a method outside it as `[method, names]`), the input (copied), the signal.
 */
export function openCall<T extends CallOptions>(
  input: unknown,
  options: unknown,
  task: PipelineTask | readonly [method: string, names: readonly (keyof T & string)[]],
): OpenedCall<T> {
  const read = typeof task === 'string' ? readTaskOptions<T>(options, task) : readOptions<T>(options, task[1], task[0]);
  const { texts, single } = checkTexts(input);
  return { texts, single, signal: checkSignal(read.values.signal, read.label('signal' as keyof T & string)), options: read };
}

export function maxLengthOf(ctx: PipelineContext): number {
  return ctx.config.maxPositionEmbeddings;
}

/** Throws `DBN_UNSUPPORTED_MODEL` unless the checkpoint has the head `task` needs (the registry's). */
export function requireHead(ctx: PipelineContext, task: PipelineTask): void {
  const { head, method } = TASKS[task];
  const actual = ctx.config.architecture;
  if (head !== null && actual !== head) {
    throw new DistilBertError(
      'DBN_UNSUPPORTED_MODEL',
      `${method} needs a ${head} checkpoint but this model is ${actual}; load a checkpoint fine-tuned for ${task}`,
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
 * The token ids of single texts with special tokens, one view per text into one array that
 * crossed from native code once (no tokens, offsets or masks are made). Over the model's
 * position limit: cut to it when `truncate`, else `DBN_INPUT_TOO_LONG`.
 */
export function encodeIds(ctx: PipelineContext, texts: string[], truncate: boolean): Int32Array[] {
  const max = maxLengthOf(ctx);
  const options = truncate ? { truncation: { maxLength: max, stride: 0, strategy: 'longest_first', direction: 'right' } as const } : {};
  const { ids, lengths } = nativeCall(() => ctx.tokenizer.native.encodeIds(texts, true, options));
  const out: Int32Array[] = new Array(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i]!;
    if (n > max) throw tooLong(i, n, max);
    out[i] = ids.subarray(offset, offset + n);
    offset += n;
  }
  return out;
}

/** Like {@link encodeIds}, for pipelines that read the encodings' offsets and word ids too. */
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

/** Splits a packed per-sequence result (`width` values per sequence) into one copy per sequence. */
export function perSequence(values: Float32Array, count: number, width: number): Float32Array[] {
  // A batch of one is its row: the native call made the array for this batch alone.
  if (count === 1 && values.length === width) return [values];
  // slice, not subarray: each caller owns its row, not a view of the whole batch.
  return Array.from({ length: count }, (_, i) => values.slice(i * width, (i + 1) * width));
}

/** Splits a packed per-token result (`width` values per token) by sequence lengths. */
export function perToken(values: Float32Array, lengths: Int32Array, width = 1): Float32Array[] {
  const out: Float32Array[] = [];
  let offset = 0;
  for (const len of lengths) {
    out.push(values.slice(offset * width, (offset + len) * width));
    offset += len;
  }
  return out;
}
