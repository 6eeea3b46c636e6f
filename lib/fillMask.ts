/**
 * Fill-mask pipeline: text preparation, target resolution and result decoding with the output
 * shape and field names of Hugging Face's FillMaskPipeline.
 */
import { DistilBertError, invalidArgument, positiveInteger } from './errors';
import type { BatchKind } from './batcher';
import type { NativeFillMaskResult, NativeModel } from './native';
import { checkSignal, type CallOptions, type PipelineContext } from './pipelines/common';
import type { Tokenizer } from './Tokenizer';

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

/**
 * `[mask]` in any letter case means the mask token: the model card writes `[mask]`, while the
 * tokenizer (HF-exact) only matches the special token `[MASK]` case-sensitively.
 */
export function normalizeMasks(text: string, maskToken: string): string {
  return text.replace(new RegExp(escapeRegExp(maskToken), 'gi'), maskToken);
}

/** transformers' `clean_up_tokenization`, which BERT tokenizers apply after decoding. */
export function cleanUpTokenization(s: string): string {
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
export function resolveTargets(tokenizer: Tokenizer, targets: string | string[] | undefined): Int32Array | null {
  if (targets === undefined) return null;
  const list = typeof targets === 'string' ? [targets] : targets;
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
    throw invalidArgument('a string or an array of strings', 'options.targets', targets);
  }
  const ids = new Set<number>();
  for (const target of list) {
    const id = tokenizer.tokenToId(target) ?? tokenizer.encode(target, null, { addSpecialTokens: false }).ids[0];
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

function prepare(tokenizer: Tokenizer, texts: string[], maxLength: number): Int32Array[] {
  const { maskToken, maskId } = tokenizer.info;
  const encodings = tokenizer.native.encodeBatch(
    texts.map((t) => normalizeMasks(t, maskToken)),
    true,
  );
  encodings.forEach((e, i) => {
    if (e.ids.length > maxLength) {
      throw new DistilBertError(
        'DBN_INPUT_TOO_LONG',
        `Input ${i} is ${e.ids.length} tokens long but the model accepts at most ${maxLength}; shorten it`,
      );
    }
    if (!e.ids.includes(maskId)) {
      throw new DistilBertError(
        'DBN_NO_MASK',
        `Input ${i} has no mask token; write ${maskToken} (or [mask]) where a word should be predicted: ${JSON.stringify(texts[i]!.slice(0, 60))}`,
      );
    }
  });
  return encodings.map((e) => e.ids);
}

/** The native result rows of one sequence: one row per mask, in text order. */
export interface MaskRows {
  k: number;
  positions: Int32Array;
  tokenIds: Int32Array;
  scores: Float32Array;
}

/** Splits a native fill-mask result (rows grouped by sequence, in batch order) per sequence. */
export function splitFillMask(result: NativeFillMaskResult, count: number): MaskRows[] {
  const out: MaskRows[] = [];
  const { k } = result;
  let r = 0;
  for (let c = 0; c < count; c++) {
    const rowStart = r;
    while (r < result.rows.length && result.rows[r] === c) r++;
    out.push({
      k,
      positions: result.positions.slice(rowStart, r),
      tokenIds: result.tokenIds.slice(rowStart * k, r * k),
      scores: result.scores.slice(rowStart * k, r * k),
    });
  }
  return out;
}

function fillMaskKind(model: NativeModel, maskId: number, topK: number, targets: Int32Array | null): BatchKind<MaskRows> {
  return {
    // Everything besides the ids that changes the native result.
    key: `fill-mask:${topK}:${targets ? Array.from(targets).join(',') : '*'}`,
    run: async (ids, lengths) => splitFillMask(await model.fillMask(ids, lengths, maskId, topK, targets), lengths.length),
  };
}

function decodeRows(tokenizer: Tokenizer, ids: Int32Array, rows: MaskRows): FillMaskOutput {
  const single = rows.positions.length === 1;
  const out: FillMaskOutput = [];
  for (let r = 0; r < rows.positions.length; r++) {
    const position = rows.positions[r]!;
    const candidates: FillMaskCandidate[] = [];
    for (let j = 0; j < rows.k; j++) {
      const token = rows.tokenIds[r * rows.k + j]!;
      const filled = Int32Array.from(ids);
      filled[position] = token;
      // As in HF: with several masks the other [MASK] tokens stay visible in `sequence`.
      candidates.push({
        score: rows.scores[r * rows.k + j]!,
        token,
        token_str: cleanUpTokenization(tokenizer.native.decode(Int32Array.of(token), true)),
        sequence: cleanUpTokenization(tokenizer.native.decode(filled, single)),
      });
    }
    out.push(candidates);
  }
  return out;
}

/** Runs fill-mask over many texts through the model's batcher (which packs and length-sorts). */
export async function runFillMask(
  ctx: PipelineContext,
  texts: string[],
  options: FillMaskOptions,
): Promise<FillMaskOutput[]> {
  const topK = positiveInteger(options.topK, 'options.topK', 5);
  const targets = resolveTargets(ctx.tokenizer, options.targets);
  const signal = checkSignal(options.signal);
  const ids = prepare(ctx.tokenizer, texts, ctx.native.info.config.maxPositionEmbeddings);
  const kind = fillMaskKind(ctx.native, ctx.tokenizer.info.maskId, topK, targets);
  const rows = await ctx.batcher.submit(kind, ids, signal);
  return rows.map((r, i) => decodeRows(ctx.tokenizer, ids[i]!, r));
}
