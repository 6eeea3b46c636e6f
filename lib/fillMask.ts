/**
 * Fill-mask pipeline: text preparation, target resolution and result decoding with the output
 * shape and field names of Hugging Face's FillMaskPipeline.
 */
import { DistilBertError, invalidArgument, positiveInteger } from './errors';
import type { NativeFillMaskResult, NativeModel } from './native';
import type { Tokenizer } from './Tokenizer';

export interface FillMaskOptions {
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

// Sequences per native call and padded tokens per call: bounds the padding a long input adds
// to short ones and the activation memory of a huge batch.
const CHUNK_SEQUENCES = 64;
const CHUNK_PADDED_TOKENS = 16384;

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

interface Prepared {
  ids: Int32Array[];
}

function prepare(tokenizer: Tokenizer, texts: string[], maxLength: number): Prepared {
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
  return { ids: encodings.map((e) => e.ids) };
}

function decodeRows(
  tokenizer: Tokenizer,
  ids: Int32Array,
  result: NativeFillMaskResult,
  rowStart: number,
  rowEnd: number,
): FillMaskOutput {
  const single = rowEnd - rowStart === 1;
  const out: FillMaskOutput = [];
  for (let r = rowStart; r < rowEnd; r++) {
    const position = result.positions[r]!;
    const candidates: FillMaskCandidate[] = [];
    for (let j = 0; j < result.k; j++) {
      const token = result.tokenIds[r * result.k + j]!;
      const filled = Int32Array.from(ids);
      filled[position] = token;
      // As in HF: with several masks the other [MASK] tokens stay visible in `sequence`.
      candidates.push({
        score: result.scores[r * result.k + j]!,
        token,
        token_str: cleanUpTokenization(tokenizer.native.decode(Int32Array.of(token), true)),
        sequence: cleanUpTokenization(tokenizer.native.decode(filled, single)),
      });
    }
    out.push(candidates);
  }
  return out;
}

/** Runs fill-mask over many texts: length-sorted chunks, one native call each. */
export async function runFillMask(
  model: NativeModel,
  tokenizer: Tokenizer,
  texts: string[],
  options: FillMaskOptions,
): Promise<FillMaskOutput[]> {
  const topK = positiveInteger(options.topK, 'options.topK', 5);
  const targets = resolveTargets(tokenizer, options.targets);
  const { ids } = prepare(tokenizer, texts, model.info.config.maxPositionEmbeddings);
  const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
  const outputs: FillMaskOutput[] = new Array(texts.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (
      end < order.length &&
      end - start < CHUNK_SEQUENCES &&
      (end - start + 1) * ids[order[end]!]!.length <= CHUNK_PADDED_TOKENS
    ) {
      end++;
    }
    const chunk = order.slice(start, end);
    const lengths = Int32Array.from(chunk, (i) => ids[i]!.length);
    const flat = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    let offset = 0;
    for (const i of chunk) {
      flat.set(ids[i]!, offset);
      offset += ids[i]!.length;
    }
    const result = await model.fillMask(flat, lengths, tokenizer.info.maskId, topK, targets);
    // Rows come back grouped by sequence in chunk order, masks in text order.
    let r = 0;
    chunk.forEach((inputIndex, c) => {
      const rowStart = r;
      while (r < result.rows.length && result.rows[r] === c) r++;
      outputs[inputIndex] = decodeRows(tokenizer, ids[inputIndex]!, result, rowStart, r);
    });
    start = end;
  }
  return outputs;
}
