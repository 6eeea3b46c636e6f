import {
  native,
  type NativeBatchOptions,
  type NativeEncodeOptions,
  type NativeEncoding,
  type NativeTokenizer,
  type NativeTokenizerInfo,
} from '../native';
import { checkBoolean, checkChoice, checkInteger, checkOptions, checkPath, checkString, invalidArgument } from './checks';
import { nativeCall, toDistilBertError } from './errors';

/** One encoded text (or text pair), field for field what Hugging Face `tokenizers` returns. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** `[start, end)` in UTF-16 code units: `text.slice(start, end)` is the token's text. */
  offsets: [number, number][];
  attentionMask: number[];
  typeIds: number[];
  specialTokensMask: number[];
  /** Index of the word each token came from; `null` for special and padding tokens. */
  wordIds: (number | null)[];
  /** 0 for the text, 1 for the pair, `null` for special and padding tokens. */
  sequenceIds: (number | null)[];
  /**
   * With truncation: the windows that did not fit, each post-processed (and padded) like
   * this one, in Hugging Face's order. Empty otherwise.
   */
  overflowing: Encoding[];
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

export interface EncodeOptions {
  /** Add `[CLS]` / `[SEP]` as the tokenizer's template says. Default `true`. */
  addSpecialTokens?: boolean;
  /**
   * Cut encodings to `maxLength` tokens (special tokens included). `true` means
   * `'longest_first'` (take from the longer of text and pair first); `'only_first'` /
   * `'only_second'` cut one of them. Cut tokens come back in `overflowing` windows. Default `false`.
   */
  truncation?: boolean | TruncationStrategy;
  /** Length for truncation and for `padding: 'max_length'`. Default 512. */
  maxLength?: number;
  /** Tokens shared by consecutive overflowing windows (question answering over long contexts). Default 0. */
  stride?: number;
  /** Which end truncation cuts. Default `'right'`. */
  truncationSide?: 'right' | 'left';
  /**
   * `true` / `'longest'`: pad to the longest encoding of the call; `'max_length'`: pad to
   * `maxLength`. Pad tokens have attention 0. Default `false`.
   */
  padding?: boolean | 'longest' | 'max_length';
  /** Round the padded length up to a multiple of this. Default: no rounding. */
  padToMultipleOf?: number;
  /** Which end gets the padding. Default `'right'`. */
  paddingSide?: 'right' | 'left';
}

export interface EncodeBatchOptions extends EncodeOptions {
  /** Native threads that share the batch. Default: all cores (small batches use one). */
  threads?: number;
}

/** One batch input: a text, or a `[text, pair]` tuple. */
export type BatchInput = string | [string, string];

const DEFAULT_MAX_LENGTH = 512;

const MAX_LENGTH_LIMIT = 1e9;

const checkSide = (value: unknown, name: string): 'right' | 'left' => checkChoice(value, name, ['right', 'left'] as const, 'right');

function nativeOptions(options: EncodeOptions): NativeEncodeOptions {
  checkOptions(options);
  const out: NativeEncodeOptions = { tokens: false };
  const maxLength = checkInteger(options.maxLength, 'options.maxLength', 0, MAX_LENGTH_LIMIT, DEFAULT_MAX_LENGTH);
  const { truncation, padding } = options;
  if (truncation !== undefined && truncation !== false) {
    const strategies = ['longest_first', 'only_first', 'only_second'];
    if (truncation !== true && !strategies.includes(truncation as string)) {
      throw invalidArgument("true, false, 'longest_first', 'only_first' or 'only_second'", 'options.truncation', truncation);
    }
    out.truncation = {
      maxLength,
      stride: checkInteger(options.stride, 'options.stride', 0, MAX_LENGTH_LIMIT, 0),
      strategy: truncation === true ? 'longest_first' : truncation,
      direction: checkSide(options.truncationSide, 'options.truncationSide'),
    };
  } else if (options.stride !== undefined) {
    checkInteger(options.stride, 'options.stride', 0, MAX_LENGTH_LIMIT);
  }
  if (padding !== undefined && padding !== false) {
    if (padding !== true && padding !== 'longest' && padding !== 'max_length') {
      throw invalidArgument("true, false, 'longest' or 'max_length'", 'options.padding', padding);
    }
    out.padding = {
      length: padding === 'max_length' ? maxLength : undefined,
      multipleOf: checkInteger(options.padToMultipleOf, 'options.padToMultipleOf', 1, MAX_LENGTH_LIMIT),
      direction: checkSide(options.paddingSide, 'options.paddingSide'),
    };
  }
  checkBoolean(options.addSpecialTokens, 'options.addSpecialTokens', true);
  return out;
}

const nullable = (a: Int32Array): (number | null)[] => Array.from(a, (v) => (v < 0 ? null : v));

/**
 * WordPiece tokenizer with Hugging Face `tokenizers` semantics (native, C++). Get one from
 * {@link loadTokenizer} or `model.tokenizer`.
 */
export class Tokenizer {
  /** @internal */
  readonly native: NativeTokenizer;
  #vocab: string[] | undefined;
  #decoded: (string | undefined)[] | undefined;

  /** @internal */
  constructor(nativeTokenizer: NativeTokenizer) {
    this.native = nativeTokenizer;
  }

  get info(): NativeTokenizerInfo {
    return this.native.info;
  }

  // Token strings come from one cached array instead of a fresh native string per token.
  // The template's and the padding's tokens are vocabulary entries for every BERT
  // tokenizer.json; where one is not, the native tokens are used.
  #tokens(e: NativeEncoding): string[] {
    if (e.tokens) return e.tokens;
    const vocab = (this.#vocab ??= this.native.vocab());
    return Array.from(e.ids, (id) => vocab[id] ?? '');
  }

  #toEncoding(e: NativeEncoding): Encoding {
    const n = e.ids.length;
    const offsets: [number, number][] = new Array(n);
    for (let i = 0; i < n; i++) offsets[i] = [e.offsets[2 * i]!, e.offsets[2 * i + 1]!];
    return {
      ids: Array.from(e.ids),
      tokens: this.#tokens(e),
      offsets,
      attentionMask: Array.from(e.attentionMask),
      typeIds: Array.from(e.typeIds),
      specialTokensMask: Array.from(e.specialTokensMask),
      wordIds: nullable(e.wordIds),
      sequenceIds: nullable(e.sequenceIds),
      overflowing: (e.overflowing ?? []).map((o) => this.#toEncoding(o)),
    };
  }

  #nativeOptions(options: EncodeOptions): NativeEncodeOptions {
    const out = nativeOptions(options);
    if (!this.#templateInVocab()) out.tokens = true;
    return out;
  }

  #templateOk: boolean | undefined;
  #templateInVocab(): boolean {
    if (this.#templateOk === undefined) {
      const vocab = (this.#vocab ??= this.native.vocab());
      const pad = { padding: { length: 8, direction: 'right' as const } };
      const checks = nativeCall(() => [this.native.encode('', null, true, pad), this.native.encode('', '', true, pad)]);
      this.#templateOk = checks.every((e) => (e.tokens ?? []).every((t, i) => vocab[e.ids[i]!] === t));
    }
    return this.#templateOk;
  }

  /**
   * Encodes a text, or a text pair. Sync (microseconds per sentence). Throws
   * `DBN_INVALID_ARGUMENT` for bad options, or truncation settings Hugging Face rejects
   * (a stride not smaller than the room left, `'only_second'` without a pair, ...).
   */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    checkString(text, 'text');
    if (pair != null) checkString(pair, 'pair');
    const native = this.#nativeOptions(options);
    return this.#toEncoding(nativeCall(() => this.native.encode(text, pair ?? null, options.addSpecialTokens ?? true, native)));
  }

  /**
   * Encodes many texts (or `[text, pair]` tuples) on several native threads; the result is
   * the same as calling {@link encode} on each, except that `padding: true` pads to the
   * longest encoding of the whole batch.
   */
  encodeBatch(inputs: BatchInput[], options: EncodeBatchOptions = {}): Encoding[] {
    if (!Array.isArray(inputs)) throw invalidArgument('an array of strings or [text, pair] tuples', 'inputs', inputs);
    const texts: string[] = new Array(inputs.length);
    let pairs: (string | null)[] | undefined;
    inputs.forEach((input, i) => {
      if (typeof input === 'string') {
        texts[i] = input;
        if (pairs) pairs[i] = null;
        return;
      }
      if (!Array.isArray(input) || input.length !== 2) {
        throw invalidArgument('a string or a [text, pair] tuple', `inputs[${i}]`, input);
      }
      texts[i] = checkString(input[0], `inputs[${i}][0]`);
      pairs ??= new Array<string | null>(inputs.length).fill(null);
      pairs[i] = checkString(input[1], `inputs[${i}][1]`);
    });
    const batch: NativeBatchOptions = this.#nativeOptions(options);
    if (pairs) batch.pairs = pairs;
    const threads = checkInteger(options.threads, 'options.threads', 1, MAX_LENGTH_LIMIT);
    if (threads !== undefined) batch.threads = threads;
    const encodings = nativeCall(() => this.native.encodeBatch(texts, options.addSpecialTokens ?? true, batch));
    return encodings.map((e) => this.#toEncoding(e));
  }

  /** Ids to text with HF's WordPiece decoder; special tokens skipped unless told otherwise. */
  decode(ids: ArrayLike<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids == null || typeof ids.length !== 'number') throw invalidArgument('an array of token ids', 'ids', ids);
    const arr = Int32Array.from(ids as ArrayLike<number>);
    if (arr.some((v, i) => v !== (ids as ArrayLike<number>)[i])) {
      throw invalidArgument('an array of integer token ids', 'ids', ids);
    }
    return nativeCall(() => this.native.decode(arr, options.skipSpecialTokens ?? true));
  }

  /**
   * Each id decoded on its own with special tokens skipped (fill-mask's `token_str` before
   * clean-up), from a table indexed by id that is filled once per id, in one native call for
   * all the ids it still lacks.
   * @internal
   */
  decodedTokens(ids: Int32Array): string[] {
    const table = (this.#decoded ??= new Array<string | undefined>(this.info.vocabSize));
    const missing = ids.filter((id) => table[id] === undefined);
    if (missing.length > 0) {
      const texts = nativeCall(() => this.native.decodeFilled(Int32Array.of(0), 0, missing, true));
      missing.forEach((id, i) => (table[id] = texts[i]!));
    }
    return Array.from(ids, (id) => table[id]!);
  }

  /** The id of a vocabulary token, or `undefined` when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    const id = this.native.tokenToId(checkString(token, 'token'));
    return id < 0 ? undefined : id;
  }

  idToToken(id: number): string {
    if (!Number.isInteger(id)) throw invalidArgument('an integer', 'id', id);
    return nativeCall(() => this.native.idToToken(id));
  }
}

/**
 * Loads a tokenizer from a model directory (tokenizer.json, or vocab.txt +
 * tokenizer_config.json) or from a tokenizer.json / vocab.txt path. Parsing runs off the JS thread.
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  checkPath(path, 'a path string');
  try {
    return new Tokenizer(await native().loadTokenizer(path));
  } catch (e) {
    throw toDistilBertError(e);
  }
}
