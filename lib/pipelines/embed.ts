/**
 * Sentence embeddings: the encoder's last hidden state pooled per input (mean over all tokens,
 * special tokens included, as sentence-transformers does; or the `[CLS]` token), optionally
 * L2-normalized. Pooling and normalization run natively.
 *
 * Token embeddings: the last hidden state of every token, unpooled (feature extraction with
 * pooling 'none'); one `[tokens, dim]` Tensor per input, never padded.
 */
import type { BatchKind } from '../model/batcher';
import { checkBoolean, checkChoice } from '../model/checks';
import { encodeIds, openCall, perSequence, perToken, type CallOptions, type PipelineContext } from './common';
import { Tensor } from './Tensor';

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
  const { texts, single, signal, options: o } = openCall<EmbedOptions>(input, options, 'feature-extraction');
  const pooling = checkChoice(o.values.pooling, o.label('pooling'), ['mean', 'cls'] as const, 'mean');
  const normalize = checkBoolean(o.values.normalize, o.label('normalize'), true);
  const truncate = checkBoolean(o.values.truncation, o.label('truncation'), false);
  const ids = encodeIds(ctx, texts, truncate);
  const vectors = await ctx.batcher.submit(embedKind(ctx, pooling, normalize), ids, signal);
  return single ? vectors[0]! : vectors;
}

export interface EmbedTokensOptions extends CallOptions {
  /**
   * Scale each token's vector to unit L2 length (transformers.js's `normalize` with pooling
   * 'none': along the last dimension). Default `false`: the raw last hidden states, as
   * transformers.js and Hugging Face's feature-extraction pipeline return them.
   */
  normalize?: boolean;
  /** Cut inputs longer than the model's position limit instead of rejecting `DBN_INPUT_TOO_LONG`. Default `false`. */
  truncation?: boolean;
}

const EMBED_TOKENS_OPTIONS = ['embedTokens', ['normalize', 'truncation', 'signal']] as const;

/**
 * One kind for every per-token call, normalized or not: normalization runs per call on the
 * way out, so both share native calls.
 */
function hiddenKind(ctx: PipelineContext): BatchKind<Float32Array> {
  const dim = ctx.config.dim;
  return {
    key: 'hiddenStates',
    run: async (ids, lengths) => perToken(await ctx.native.hiddenStates(ids, lengths), lengths, dim),
  };
}

/** Scales every `dim`-long row of `data` to unit L2 length, in place (a zero row stays zero). */
export function normalizeRows(data: Float32Array, dim: number): void {
  for (let o = 0; o < data.length; o += dim) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += data[o + d]! * data[o + d]!;
    // torch.nn.functional.normalize's eps: a zero row stays zero instead of becoming NaN.
    const norm = Math.max(Math.sqrt(sum), 1e-12);
    for (let d = 0; d < dim; d++) data[o + d] = data[o + d]! / norm;
  }
}

/**
 * A `[tokens, dim]` Tensor per input (special tokens included): one for a string, an array of
 * them for an array. Each sequence's rows are its own, unpadded.
 */
export async function runEmbedTokens(
  ctx: PipelineContext,
  input: string | string[],
  options: EmbedTokensOptions,
): Promise<Tensor | Tensor[]> {
  const { texts, single, signal, options: o } = openCall<EmbedTokensOptions>(input, options, EMBED_TOKENS_OPTIONS);
  const normalize = checkBoolean(o.values.normalize, o.label('normalize'), false);
  const truncate = checkBoolean(o.values.truncation, o.label('truncation'), false);
  const ids = encodeIds(ctx, texts, truncate);
  const dim = ctx.config.dim;
  const rows = await ctx.batcher.submit(hiddenKind(ctx), ids, signal);
  const tensors = rows.map((data) => {
    if (normalize) normalizeRows(data, dim);
    return new Tensor(data, [data.length / dim, dim]);
  });
  return single ? tensors[0]! : tensors;
}
