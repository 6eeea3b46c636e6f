import { DistilBertError, invalidArgument } from './errors';
import {
  native,
  type NativeBatchOptions,
  type NativeEncodeOptions,
  type NativeEncoding,
  type NativeTokenizer,
  type NativeTokenizerInfo,
} from './native';

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

function checkText(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgument('a string', name, value);
  return value;
}

function checkInt(value: unknown, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 1e9) {
    throw invalidArgument(`an integer >= ${min}`, name, value);
  }
  return value;
}

function checkSide(value: unknown, name: string): 'right' | 'left' {
  if (value === undefined) return 'right';
  if (value !== 'right' && value !== 'left') throw invalidArgument("'right' or 'left'", name, value);
  return value;
}

function nativeOptions(options: EncodeOptions): NativeEncodeOptions {
  if (options === null || typeof options !== 'object') throw invalidArgument('an options object', 'options', options);
  const out: NativeEncodeOptions = { tokens: false };
  const maxLength = checkInt(options.maxLength, 'options.maxLength', 0) ?? DEFAULT_MAX_LENGTH;
  const { truncation, padding } = options;
  if (truncation !== undefined && truncation !== false) {
    const strategies = ['longest_first', 'only_first', 'only_second'];
    if (truncation !== true && !strategies.includes(truncation as string)) {
      throw invalidArgument("true, false, 'longest_first', 'only_first' or 'only_second'", 'options.truncation', truncation);
    }
    out.truncation = {
      maxLength,
      stride: checkInt(options.stride, 'options.stride', 0) ?? 0,
      strategy: truncation === true ? 'longest_first' : truncation,
      direction: checkSide(options.truncationSide, 'options.truncationSide'),
    };
  } else if (options.stride !== undefined) {
    checkInt(options.stride, 'options.stride', 0);
  }
  if (padding !== undefined && padding !== false) {
    if (padding !== true && padding !== 'longest' && padding !== 'max_length') {
      throw invalidArgument("true, false, 'longest' or 'max_length'", 'options.padding', padding);
    }
    out.padding = {
      length: padding === 'max_length' ? maxLength : undefined,
      multipleOf: checkInt(options.padToMultipleOf, 'options.padToMultipleOf', 1),
      direction: checkSide(options.paddingSide, 'options.paddingSide'),
    };
  }
  if (options.addSpecialTokens !== undefined && typeof options.addSpecialTokens !== 'boolean') {
    throw invalidArgument('a boolean', 'options.addSpecialTokens', options.addSpecialTokens);
  }
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
      const checks = [this.native.encode('', null, true, pad), this.native.encode('', '', true, pad)];
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
    checkText(text, 'text');
    if (pair != null) checkText(pair, 'pair');
    const n = this.native.encode(text, pair ?? null, options.addSpecialTokens ?? true, this.#nativeOptions(options));
    return this.#toEncoding(n);
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
      texts[i] = checkText(input[0], `inputs[${i}][0]`);
      pairs ??= new Array<string | null>(inputs.length).fill(null);
      pairs[i] = checkText(input[1], `inputs[${i}][1]`);
    });
    const batch: NativeBatchOptions = this.#nativeOptions(options);
    if (pairs) batch.pairs = pairs;
    const threads = checkInt(options.threads, 'options.threads', 1);
    if (threads !== undefined) batch.threads = threads;
    return this.native.encodeBatch(texts, options.addSpecialTokens ?? true, batch).map((e) => this.#toEncoding(e));
  }

  /** Ids to text with HF's WordPiece decoder; special tokens skipped unless told otherwise. */
  decode(ids: ArrayLike<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids == null || typeof ids.length !== 'number') throw invalidArgument('an array of token ids', 'ids', ids);
    const arr = Int32Array.from(ids as ArrayLike<number>);
    if (arr.some((v, i) => v !== (ids as ArrayLike<number>)[i])) {
      throw invalidArgument('an array of integer token ids', 'ids', ids);
    }
    return this.native.decode(arr, options.skipSpecialTokens ?? true);
  }

  /** The id of a vocabulary token, or `undefined` when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    const id = this.native.tokenToId(checkText(token, 'token'));
    return id < 0 ? undefined : id;
  }

  idToToken(id: number): string {
    if (!Number.isInteger(id)) throw invalidArgument('an integer', 'id', id);
    return this.native.idToToken(id);
  }
}

/**
 * Loads a tokenizer from a model directory (tokenizer.json, or vocab.txt +
 * tokenizer_config.json) or from a tokenizer.json / vocab.txt path. Parsing runs off the JS thread.
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  if (typeof path !== 'string' || path.length === 0) throw invalidArgument('a path string', 'path', path);
  return new Tokenizer(await native().loadTokenizer(path));
}

export { DistilBertError };
