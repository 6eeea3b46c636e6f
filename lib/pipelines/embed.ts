/**
 * Sentence embeddings: the encoder's last hidden state pooled per input (mean over all tokens,
 * special tokens included, as sentence-transformers does; or the `[CLS]` token), optionally
 * L2-normalized. Pooling and normalization run natively.
 */
import type { BatchKind } from '../model/batcher';
import { checkBoolean, checkChoice } from '../model/checks';
import { encodeIds, openCall, perSequence, type CallOptions, type PipelineContext } from './common';

export interface EmbedOptions extends CallOptions {
  /** `'mean'` (default) over every token of the input, or `'cls'` (the first token). */
  pooling?: 'mean' | 'cls';
  /** Scale each vector to unit L2 length. Default `true`. */
  normalize?: boolean;
  /** Cut inputs longer than the model's position limit instead of rejecting `DBN_INPUT_TOO_LONG`. Default `false`. */
  truncation?: boolean;
}

function embedKind(ctx: PipelineContext, pooling: 'mean' | 'cls', normalize: boolean): BatchKind<Float32Array> {
  const dim = ctx.config.dim;
  return {
    key: `embed:${pooling}:${normalize}`,
    run: async (ids, lengths) => perSequence(await ctx.native.embed(ids, lengths, pooling, normalize), lengths.length, dim),
  };
}

/** A `Float32Array` of `dim` values per input: one for a string, an array of them for an array. */
export async function runEmbed(
  ctx: PipelineContext,
  input: string | string[],
  options: EmbedOptions,
): Promise<Float32Array | Float32Array[]> {
  const { texts, single, signal } = openCall(input, options);
  const pooling = checkChoice(options.pooling, 'options.pooling', ['mean', 'cls'] as const, 'mean');
  const normalize = checkBoolean(options.normalize, 'options.normalize', true);
  const truncate = checkBoolean(options.truncation, 'options.truncation', false);
  const ids = encodeIds(ctx, texts, truncate);
  const vectors = await ctx.batcher.submit(embedKind(ctx, pooling, normalize), ids, signal);
  return single ? vectors[0]! : vectors;
}
