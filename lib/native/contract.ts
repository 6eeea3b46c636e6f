/**
 * The whole native contract: every export of the compiled addon, typed. lib/native/addon.ts
 * is the only module that loads the binary; everything else imports these types.
 */

export interface NativeEncoding {
  ids: Int32Array;
  tokens?: string[]; // absent when encoded with { tokens: false }
  typeIds: Int32Array;
  wordIds: Int32Array; // -1 for special tokens
  sequenceIds: Int32Array; // -1 for special tokens, else 0 (text) or 1 (pair)
  specialTokensMask: Uint8Array;
  attentionMask: Uint8Array;
  offsets: Uint32Array; // [start, end) pairs in UTF-16 code units, flattened
  overflowing?: NativeEncoding[]; // stride windows, when truncation produced any
}

export interface NativeTruncation {
  maxLength: number;
  stride: number;
  strategy: 'longest_first' | 'only_first' | 'only_second';
  direction: 'right' | 'left';
}

export interface NativePadding {
  length?: number;
  multipleOf?: number;
  direction: 'right' | 'left';
}

export interface NativeEncodeOptions {
  truncation?: NativeTruncation;
  padding?: NativePadding;
  /** false: leave `tokens` out (the TS layer maps ids through `vocab()`). */
  tokens?: boolean;
}

export interface NativeBatchOptions extends NativeEncodeOptions {
  pairs?: (string | null)[];
  /** Native threads for the batch; small batches stay on one. */
  threads?: number;
}

/** Sequences packed back to back, as every model method takes them. */
export interface NativeIds {
  ids: Int32Array;
  lengths: Int32Array;
}

export interface NativeTokenizerInfo {
  vocabSize: number;
  clsId: number;
  sepId: number;
  padId: number;
  unkId: number;
  maskId: number;
  maskToken: string;
}

export interface NativeTokenizer {
  encode(text: string, pair: string | null, addSpecialTokens: boolean, options?: NativeEncodeOptions): NativeEncoding;
  encodeBatch(texts: string[], addSpecialTokens: boolean, options?: NativeBatchOptions): NativeEncoding[];
  /** Only the ids, every text's back to back in one array; `lengths[i]` is text i's size. */
  encodeIds(texts: string[], addSpecialTokens: boolean, options?: NativeBatchOptions): NativeIds;
  /** The vocabulary, index = id. */
  vocab(): string[];
  decode(ids: Int32Array, skipSpecialTokens: boolean): string;
  /** `decode(ids with ids[position] = c, skip)` for each candidate c, the rest decoded once. */
  decodeFilled(ids: Int32Array, position: number, candidates: Int32Array, skipSpecialTokens: boolean): string[];
  tokenToId(token: string): number;
  idToToken(id: number): string;
  readonly info: NativeTokenizerInfo;
}

export interface NativeModelConfig {
  architecture: string;
  vocabSize: number;
  dim: number;
  nLayers: number;
  nHeads: number;
  hiddenDim: number;
  maxPositionEmbeddings: number;
  id2label: string[];
}

export interface NativeModelInfo {
  config: NativeModelConfig;
  device: string;
  dtype: 'float32' | 'bfloat16';
  /**
   * 'native': the engine's own packed/oneDNN paths. 'torchscript-forward': a TorchScript
   * archive whose parameters don't map onto DistilBERT's runs its own forward instead.
   */
  engine: 'native' | 'torchscript-forward';
  format: 'safetensors' | 'torchscript';
  weightsPath: string;
  parameterBytes: number;
  threads: number;
  state: 'ready' | 'disposed';
}

export interface NativeFillMaskResult {
  k: number;
  rows: Int32Array;
  positions: Int32Array;
  tokenIds: Int32Array;
  scores: Float32Array;
}

export interface NativeLoadOptions {
  device?: string;
  dtype?: string;
  format?: string;
  threads?: number;
}

export interface NativeModel {
  /** Top-k candidates at every mask (the model's tokenizer's mask token), rows in batch order. */
  fillMask(ids: Int32Array, lengths: Int32Array, topK: number, targets: Int32Array | null): Promise<NativeFillMaskResult>;
  /**
   * DistilBertForSequenceClassification logits, `[batch × numLabels]` row-major
   * (numLabels = info.config.id2label.length). Rejects DBN_UNSUPPORTED_MODEL for other heads.
   */
  classify(ids: Int32Array, lengths: Int32Array): Promise<Float32Array>;
  /**
   * DistilBertForTokenClassification logits of every token, packed in input order without
   * padding: `[sum(lengths) × numLabels]`.
   */
  tokenClassify(ids: Int32Array, lengths: Int32Array): Promise<Float32Array>;
  /** DistilBertForQuestionAnswering start/end logits of every token, packed: each `[sum(lengths)]`. */
  answerQuestion(ids: Int32Array, lengths: Int32Array): Promise<{ start: Float32Array; end: Float32Array }>;
  /**
   * Pooled encoder output `[batch × dim]` for any head: `'mean'` over each sequence's tokens
   * (special tokens included, as sentence-transformers does) or `'cls'` (first token);
   * L2-normalized when `normalize`.
   */
  embed(ids: Int32Array, lengths: Int32Array, pooling: 'mean' | 'cls', normalize: boolean): Promise<Float32Array>;
  /**
   * The encoder's last hidden state of every token for any head, packed in input order without
   * padding rows: `[sum(lengths) × dim]` (dim = info.config.dim). Unnormalized. As `embed`,
   * a TorchScript archive that runs its own forward (`engine: 'torchscript-forward'`) has them
   * only when it is a bare encoder (DistilBertModel); other heads reject DBN_UNSUPPORTED_MODEL.
   */
  hiddenStates(ids: Int32Array, lengths: Int32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
  readonly info: NativeModelInfo;
  readonly tokenizer: NativeTokenizer;
}

export interface NativeAddon {
  loadModel(path: string, options: NativeLoadOptions): Promise<NativeModel>;
  loadTokenizer(path: string): Promise<NativeTokenizer>;
  errorCodes: string[];
  /** V8's external-memory count (models report their weights into it). */
  externalMemory(): number;
  /** Stops this environment's owner threads (queued jobs dropped, the running one waited for); for process exit. */
  abandonWork(): void;
  /**
   * Loads the engine library if no model did yet (sync, once per process), then reports.
   * Never throws for a missing libtorch: `engine.loaded` is false and the libtorch fields empty.
   */
  runtimeInfo(): NativeRuntimeInfo;
}

/** Where the engine library and libtorch were found (native/addon/engine_loader.h). */
export interface NativeEngineStatus {
  loaded: boolean;
  /** The engine library loaded ('' when none). */
  path: string;
  /** Its build's flavour, e.g. 'torch1.13' or 'torch2.5-cuda'. */
  flavour: string;
  /** 'DBN_LIBTORCH', 'LIBTORCH', 'debian' or 'pytorch-wheel'. */
  libtorchSource: string;
  libtorchDir: string;
  libtorchVersion: string;
  /** Each place looked at for libtorch, and what was found there, in search order. */
  searched: string[];
  /** The DBN_NATIVE_UNAVAILABLE message when not loaded (what was searched, the remedies). */
  error: string;
}

export interface NativeRuntimeInfo {
  libtorchVersion: string;
  cudaCompiled: boolean;
  cudaVersion: string;
  cudaDeviceCount: number;
  onednnLinear: boolean;
  mkldnn: boolean;
  blas: string;
  torchConfig: string;
  /** The .node file this process loaded. */
  addonPath: string;
  engine: NativeEngineStatus;
}
