import {
  native,
  type NativeBatchOptions,
  type NativeEncodeOptions,
  type NativeEncoding,
  type NativeTokenizer,
  type NativeTokenizerInfo,
} from '../native';
import {
  checkBoolean,
  checkChoice,
  checkIds,
  checkInteger,
  checkPath,
  checkString,
  copyArray,
  invalidArgument,
  isArray,
  readOptions,
  type ReadOptions,
} from './checks';
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

const ENCODE_OPTIONS = [
  'addSpecialTokens', 'truncation', 'maxLength', 'stride', 'truncationSide', 'padding', 'padToMultipleOf', 'paddingSide',
] as const;
const BATCH_OPTIONS = [...ENCODE_OPTIONS, 'threads'] as const;

/** The native form of checked encode options, and `addSpecialTokens`. */
function nativeOptions({ values: options, label }: ReadOptions<EncodeOptions>): NativeEncodeOptions & { addSpecialTokens: boolean } {
  const out: NativeEncodeOptions = { tokens: false };
  const maxLength = checkInteger(options.maxLength, label('maxLength'), 0, MAX_LENGTH_LIMIT, DEFAULT_MAX_LENGTH);
  const { truncation, padding } = options;
  if (truncation !== undefined && truncation !== false) {
    const strategies = ['longest_first', 'only_first', 'only_second'];
    if (truncation !== true && !strategies.includes(truncation as string)) {
      throw invalidArgument("true, false, 'longest_first', 'only_first' or 'only_second'", label('truncation'), truncation);
    }
    out.truncation = {
      maxLength,
      stride: checkInteger(options.stride, label('stride'), 0, MAX_LENGTH_LIMIT, 0),
      strategy: truncation === true ? 'longest_first' : truncation,
      direction: checkSide(options.truncationSide, label('truncationSide')),
    };
  } else if (options.stride !== undefined) {
    checkInteger(options.stride, label('stride'), 0, MAX_LENGTH_LIMIT);
  }
  if (padding !== undefined && padding !== false) {
    if (padding !== true && padding !== 'longest' && padding !== 'max_length') {
      throw invalidArgument("true, false, 'longest' or 'max_length'", label('padding'), padding);
    }
    out.padding = {
      length: padding === 'max_length' ? maxLength : undefined,
      multipleOf: checkInteger(options.padToMultipleOf, label('padToMultipleOf'), 1, MAX_LENGTH_LIMIT),
      direction: checkSide(options.paddingSide, label('paddingSide')),
    };
  }
  return { ...out, addSpecialTokens: checkBoolean(options.addSpecialTokens, label('addSpecialTokens'), true) };
}

/** One checked batch input: a text, or a `[text, pair]` tuple (each read once). */
function checkBatchInput(input: unknown, name: string): { text: string; pair: string | null } {
  if (typeof input === 'string') return { text: input, pair: null };
  if (!isArray(input, name)) throw invalidArgument('a string or a [text, pair] tuple', name, input);
  const tuple = copyArray(input, name, (v) => v);
  if (tuple.length !== 2) throw invalidArgument('a string or a [text, pair] tuple', name, tuple);
  return { text: checkString(tuple[0], `${name}[0]`), pair: checkString(tuple[1], `${name}[1]`) };
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
    const vocab = (this.#vocab ??= nativeCall(() => this.native.vocab()));
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

  #nativeOptions(options: ReadOptions<EncodeOptions>): NativeEncodeOptions & { addSpecialTokens: boolean } {
    const out = nativeOptions(options);
    if (!this.#templateInVocab()) out.tokens = true;
    return out;
  }

  #templateOk: boolean | undefined;
  #templateInVocab(): boolean {
    if (this.#templateOk === undefined) {
      const vocab = (this.#vocab ??= nativeCall(() => this.native.vocab()));
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
  encode(text: string, pair?: string | null, options?: EncodeOptions): Encoding {
    checkString(text, 'text');
    if (pair != null) checkString(pair, 'pair');
    const { addSpecialTokens, ...native } = this.#nativeOptions(readOptions<EncodeOptions>(options, ENCODE_OPTIONS, 'encode'));
    return this.#toEncoding(nativeCall(() => this.native.encode(text, pair ?? null, addSpecialTokens, native)));
  }

  /**
   * Encodes many texts (or `[text, pair]` tuples) on several native threads; the result is
   * the same as calling {@link encode} on each, except that `padding: true` pads to the
   * longest encoding of the whole batch.
   */
  encodeBatch(inputs: BatchInput[], options?: EncodeBatchOptions): Encoding[] {
    if (!isArray(inputs, 'inputs')) throw invalidArgument('an array of strings or [text, pair] tuples', 'inputs', inputs);
    const checked = copyArray(inputs, 'inputs', checkBatchInput);
    const texts = checked.map((c) => c.text);
    const read = readOptions<EncodeBatchOptions>(options, BATCH_OPTIONS, 'encodeBatch');
    const { addSpecialTokens, ...batch }: NativeBatchOptions & { addSpecialTokens: boolean } = this.#nativeOptions(read);
    if (checked.some((c) => c.pair !== null)) batch.pairs = checked.map((c) => c.pair);
    const threads = checkInteger(read.values.threads, read.label('threads'), 1, MAX_LENGTH_LIMIT);
    if (threads !== undefined) batch.threads = threads;
    const encodings = nativeCall(() => this.native.encodeBatch(texts, addSpecialTokens, batch));
    return encodings.map((e) => this.#toEncoding(e));
  }

  /** Ids to text with HF's WordPiece decoder; special tokens skipped unless told otherwise. */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string {
    const arr = checkIds(ids, 'ids');
    const { values, label } = readOptions<{ skipSpecialTokens?: boolean }>(options, ['skipSpecialTokens'], 'decode');
    const skip = checkBoolean(values.skipSpecialTokens, label('skipSpecialTokens'), true);
    return nativeCall(() => this.native.decode(arr, skip));
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
    checkString(token, 'token');
    const id = nativeCall(() => this.native.tokenToId(token));
    return id < 0 ? undefined : id;
  }

  idToToken(id: number): string {
    if (id === undefined) throw invalidArgument('a token id', 'id', id);
    checkInteger(id, 'id', 0, this.info.vocabSize - 1);
    return nativeCall(() => this.native.idToToken(id));
  }

  /**
   * Forgets the tables cached on the JS side (the native tokenizer is released by the model's
   * dispose, natively); called by `ModelBase.dispose()`.
   * @internal
   */
  dropCaches(): void {
    this.#vocab = undefined;
    this.#decoded = undefined;
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
