import { DistilBertError, invalidArgument } from './errors';
import { native, type NativeEncoding, type NativeTokenizer, type NativeTokenizerInfo } from './native';

/** One encoded text (or text pair), field for field what Hugging Face `tokenizers` returns. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** `[start, end)` in UTF-16 code units: `text.slice(start, end)` is the token's text. */
  offsets: [number, number][];
  attentionMask: number[];
  typeIds: number[];
  specialTokensMask: number[];
  /** Index of the word each token came from; `null` for special tokens. */
  wordIds: (number | null)[];
  /** 0 for the text, 1 for the pair, `null` for special tokens. */
  sequenceIds: (number | null)[];
}

export interface EncodeOptions {
  /** Add `[CLS]` / `[SEP]` as the tokenizer's template says. Default `true`. */
  addSpecialTokens?: boolean;
}

function toEncoding(e: NativeEncoding): Encoding {
  const n = e.ids.length;
  const offsets: [number, number][] = new Array(n);
  for (let i = 0; i < n; i++) offsets[i] = [e.offsets[2 * i]!, e.offsets[2 * i + 1]!];
  const nullable = (a: Int32Array) => Array.from(a, (v) => (v < 0 ? null : v));
  return {
    ids: Array.from(e.ids),
    tokens: e.tokens,
    offsets,
    attentionMask: Array.from(e.attentionMask),
    typeIds: Array.from(e.typeIds),
    specialTokensMask: Array.from(e.specialTokensMask),
    wordIds: nullable(e.wordIds),
    sequenceIds: nullable(e.sequenceIds),
  };
}

function checkText(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgument('a string', name, value);
  return value;
}

/**
 * WordPiece tokenizer with Hugging Face `tokenizers` semantics (native, C++). Get one from
 * {@link loadTokenizer} or `model.tokenizer`.
 */
export class Tokenizer {
  /** @internal */
  readonly native: NativeTokenizer;

  /** @internal */
  constructor(nativeTokenizer: NativeTokenizer) {
    this.native = nativeTokenizer;
  }

  get info(): NativeTokenizerInfo {
    return this.native.info;
  }

  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    checkText(text, 'text');
    if (pair != null) checkText(pair, 'pair');
    return toEncoding(this.native.encode(text, pair ?? null, options.addSpecialTokens ?? true));
  }

  encodeBatch(texts: string[], options: EncodeOptions = {}): Encoding[] {
    if (!Array.isArray(texts)) throw invalidArgument('an array of strings', 'texts', texts);
    texts.forEach((t, i) => checkText(t, `texts[${i}]`));
    return this.native.encodeBatch(texts, options.addSpecialTokens ?? true).map(toEncoding);
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
