/**
 * Fill-mask pipeline: text preparation, target resolution and result decoding with the output
 * shape and field names of Hugging Face's FillMaskPipeline.
 */
import type { BatchKind } from '../model/batcher';
import { checkStrings, checkTopK, invalidArgument, isArray } from '../model/checks';
import { DistilBertError, nativeCall } from '../model/errors';
import type { Tokenizer } from '../model/Tokenizer';
import type { NativeFillMaskResult, NativeModel } from '../native';
import { encodeIds, openCall, requireHead, type CallOptions, type PipelineContext } from './common';

export interface FillMaskOptions extends CallOptions {
  /** Candidates per mask, best first. Default 5; capped at the number of candidates. */
  topK?: number;
  /** Only score these words (vocabulary tokens; other words use their first sub-token, as HF does). */
  targets?: string | string[];
}

/** One candidate for one mask — the fields of Hugging Face's fill-mask pipeline. */
export interface FillMaskCandidate {
  /** Probability (softmax over the whole vocabulary). */
  score: number;
  /** Token id. */
  token: number;
  /** The token decoded on its own. */
  token_str: string;
  /** The input with this candidate in the mask's place. */
  sequence: string;
}

/** Candidates for each mask of one input, masks in text order. */
export type FillMaskOutput = FillMaskCandidate[][];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One case-insensitive pattern per mask token (replace() with a /g pattern starts at 0 every time). */
const maskPatterns = new Map<string, RegExp>();

/**
 * `[mask]` in any letter case means the mask token: the model card writes `[mask]`, while the
 * tokenizer (HF-exact) only matches the special token `[MASK]` case-sensitively.
 */
export function normalizeMasks(text: string, maskToken: string): string {
  let pattern = maskPatterns.get(maskToken);
  if (!pattern) maskPatterns.set(maskToken, (pattern = new RegExp(escapeRegExp(maskToken), 'gi')));
  return text.replace(pattern, maskToken);
}

/** transformers' `clean_up_tokenization`, which BERT tokenizers apply after decoding. */
export function cleanUpTokenization(s: string): string {
  if (!s.includes(' ')) return s; // every pattern starts with a space (most token_str)
  return s
    .replace(/ \./g, '.')
    .replace(/ \?/g, '?')
    .replace(/ !/g, '!')
    .replace(/ ,/g, ',')
    .replace(/ ' /g, "'")
    .replace(/ n't/g, "n't")
    .replace(/ 'm/g, "'m")
    .replace(/ 's/g, "'s")
    .replace(/ 've/g, "'ve")
    .replace(/ 're/g, "'re");
}

/** HF's get_target_ids: vocabulary tokens as they are, other words by their first sub-token. */
export function resolveTargets(tokenizer: Tokenizer, targets: unknown, name = 'options.targets'): Int32Array | null {
  if (targets === undefined) return null;
  if (typeof targets !== 'string' && !isArray(targets, name)) throw invalidArgument('a string or an array of strings', name, targets);
  const list = typeof targets === 'string' ? [targets] : checkStrings(targets, name, []);
  const ids = new Set<number>();
  for (const target of list) {
    const id = tokenizer.tokenToId(target) ?? nativeCall(() => tokenizer.native.encodeIds([target], false)).ids[0];
    if (id !== undefined) ids.add(id);
  }
  if (ids.size === 0) {
    throw new DistilBertError(
      'DBN_INVALID_ARGUMENT',
      `None of the targets ${JSON.stringify(list)} maps to a vocabulary token; pass words the tokenizer knows`,
    );
  }
  return Int32Array.from(ids);
}

/** Ids of each text (masks in any letter case); `DBN_NO_MASK` for a text without one. */
function prepare(ctx: PipelineContext, texts: string[]): Int32Array[] {
  const { maskToken, maskId } = ctx.tokenizer.info;
  const ids = encodeIds(ctx, texts.map((t) => normalizeMasks(t, maskToken)), false);
  ids.forEach((seq, i) => {
    if (!seq.includes(maskId)) {
      throw new DistilBertError(
        'DBN_NO_MASK',
        `Input ${i} has no mask token; write ${maskToken} (or [mask]) where a word should be predicted: ${JSON.stringify(texts[i]!.slice(0, 60))}`,
      );
    }
  });
  return ids;
}

/** The native result rows of one sequence: one row per mask, in text order. */
export interface MaskRows {
  k: number;
  positions: Int32Array;
  tokenIds: Int32Array;
  scores: Float32Array;
}

/**
 * Splits a native fill-mask result (rows grouped by sequence, in batch order) per sequence,
 * as views: decoding reads them once and keeps none.
 */
export function splitFillMask(result: NativeFillMaskResult, count: number): MaskRows[] {
  const out: MaskRows[] = [];
  const { k } = result;
  let r = 0;
  for (let c = 0; c < count; c++) {
    const rowStart = r;
    while (r < result.rows.length && result.rows[r] === c) r++;
    out.push({
      k,
      positions: result.positions.subarray(rowStart, r),
      tokenIds: result.tokenIds.subarray(rowStart * k, r * k),
      scores: result.scores.subarray(rowStart * k, r * k),
    });
  }
  return out;
}

function fillMaskKind(model: NativeModel, topK: number, targets: Int32Array | null): BatchKind<MaskRows> {
  return {
    // Everything besides the ids that changes the native result.
    key: `fill-mask:${topK}:${targets ? Array.from(targets).join(',') : '*'}`,
    run: async (ids, lengths) => splitFillMask(await model.fillMask(ids, lengths, topK, targets), lengths.length),
  };
}

/**
 * HF's decoding of each candidate: `token_str` is the token decoded alone (from the
 * tokenizer's table), `sequence` the input with the candidate in the mask's place, decoded in
 * one native call per mask (the text around the mask is decoded once).
 */
function decodeRows(tokenizer: Tokenizer, ids: Int32Array, rows: MaskRows): FillMaskOutput {
  // As in HF: with several masks the other [MASK] tokens stay visible in `sequence`.
  const skipSpecial = rows.positions.length === 1;
  const out: FillMaskOutput = [];
  for (let r = 0; r < rows.positions.length; r++) {
    const tokens = rows.tokenIds.subarray(r * rows.k, (r + 1) * rows.k);
    const texts = tokenizer.decodedTokens(tokens);
    const sequences = nativeCall(() => tokenizer.native.decodeFilled(ids, rows.positions[r]!, tokens, skipSpecial));
    const candidates: FillMaskCandidate[] = new Array(rows.k);
    for (let j = 0; j < rows.k; j++) {
      candidates[j] = {
        score: rows.scores[r * rows.k + j]!,
        token: tokens[j]!,
        token_str: cleanUpTokenization(texts[j]!),
        sequence: cleanUpTokenization(sequences[j]!),
      };
    }
    out.push(candidates);
  }
  return out;
}

/** Fill-mask over one text or many, through the model's batcher (which packs and length-sorts). */
export async function runFillMask(
  ctx: PipelineContext,
  input: string | string[],
  options: FillMaskOptions,
): Promise<FillMaskOutput | FillMaskOutput[]> {
  const { texts, single, signal, options: o } = openCall<FillMaskOptions>(input, options, 'fill-mask');
  const topK = checkTopK(o.values.topK, o.label('topK'), 5);
  const targets = resolveTargets(ctx.tokenizer, o.values.targets, o.label('targets'));
  requireHead(ctx, 'fill-mask');
  const ids = prepare(ctx, texts);
  const rows = await ctx.batcher.submit(fillMaskKind(ctx.native, topK, targets), ids, signal);
  const out = rows.map((r, i) => decodeRows(ctx.tokenizer, ids[i]!, r));
  return single ? out[0]! : out;
}
