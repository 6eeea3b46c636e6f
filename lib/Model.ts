import { resolveModelPath, HUB_OPTION_NAMES, type HubOptions } from './hub';
import { Batcher, batchingConfig, type BatchingOptions, type ModelStats } from './batcher';
import { DistilBertError, invalidArgument } from './errors';
import { runFillMask, type FillMaskOptions, type FillMaskOutput } from './fillMask';
import { native, type NativeModel, type NativeModelInfo } from './native';
import { runClassify, type ClassifyLabel, type ClassifyOptions, type ClassifyResult } from './pipelines/classify';
import { checkOptions, checkTexts, type PipelineContext } from './pipelines/common';
import { runEmbed, type EmbedOptions } from './pipelines/embed';
import {
  runQuestionAnswering,
  type Answer,
  type AnswerResult,
  type QuestionAnsweringInput,
  type QuestionAnsweringOptions,
} from './pipelines/questionAnswering';
import {
  runTokenClassify,
  type EntityGroup,
  type TokenClassifyOptions,
  type TokenClassifyResult,
  type TokenEntity,
} from './pipelines/tokenClassify';
import { Tokenizer } from './Tokenizer';

/**
 * `revision` (default `'main'`), `localFilesOnly` (default `false`), `onProgress` and `cacheDir`
 * apply when the first argument of {@link loadModel} is a Hugging Face Hub id (see lib/hub).
 */
export interface LoadModelOptions extends BatchingOptions, HubOptions {
  /** `'cpu'` (default) or `'cuda'` / `'cuda:N'` when libtorch was built with CUDA. */
  device?: string;
  /**
   * Compute dtype of the encoder's dense layers. Default `'float32'`. `'bfloat16'` (CPUs with
   * AVX512-BF16 or AMX, and CUDA) runs those GEMMs in bfloat16 with float32 accumulation,
   * LayerNorm, softmax and residuals: about 2-3x faster on such CPUs, with top-1 fill-mask
   * agreeing with float32 on about 98.6% of masks (BENCHMARKS.md). Rejected with
   * `DBN_INVALID_ARGUMENT` where the CPU cannot run it.
   */
  dtype?: 'float32' | 'bfloat16';
  /** Weights format: `'auto'` (default: model.safetensors, else model.torchscript.pt), `'safetensors'` or `'torchscript'`. */
  format?: 'auto' | 'safetensors' | 'torchscript';
  /** Intra-op threads for this model's inference thread. Default: all cores. */
  threads?: number;
}

/**
 * A loaded DistilBERT checkpoint. Inference runs on the model's own native thread; concurrent
 * calls are packed into shared native calls (see {@link BatchingOptions}), which gives the same
 * results as calling one at a time.
 */
export class Model {
  readonly tokenizer: Tokenizer;
  readonly #native: NativeModel;
  readonly #batcher: Batcher;
  readonly #ctx: PipelineContext;
  #disposed: Promise<void> | undefined;

  /** @internal */
  constructor(nativeModel: NativeModel, batching: BatchingOptions = {}) {
    this.#native = nativeModel;
    this.tokenizer = new Tokenizer(nativeModel.tokenizer);
    this.#batcher = new Batcher(batching);
    this.#ctx = { native: nativeModel, tokenizer: this.tokenizer, batcher: this.#batcher };
  }

  get info(): NativeModelInfo {
    return this.#native.info;
  }

  /** Work counters since load: queue depth, batches, sequences and tokens run, busy time. */
  stats(): ModelStats {
    return this.#batcher.stats();
  }

  /** @internal The request queue (tests and metrics). */
  get batcher(): Batcher {
    return this.#batcher;
  }

  /**
   * Predicts the masked words. A string gives one array per mask (text order), each holding
   * `topK` candidates `{ score, token, token_str, sequence }`; an array of strings gives one
   * such result per string. `[mask]` in any letter case counts as the mask token.
   * Rejects `DBN_NO_MASK` when an input has no mask.
   */
  fillMask(input: string, options?: FillMaskOptions): Promise<FillMaskOutput>;
  fillMask(input: string[], options?: FillMaskOptions): Promise<FillMaskOutput[]>;
  async fillMask(input: string | string[], options: FillMaskOptions = {}): Promise<FillMaskOutput | FillMaskOutput[]> {
    checkOptions(options);
    const { texts, single } = checkTexts(input);
    const out = await runFillMask(this.#ctx, texts, options);
    return single ? out[0]! : out;
  }

  /**
   * Sequence classification (a DistilBertForSequenceClassification checkpoint), as HF's
   * text-classification pipeline: `{ label, score }` per input with the default `topK: 1`,
   * else an array of them, best first. Rejects `DBN_UNSUPPORTED_MODEL` for other heads.
   */
  classify(input: string, options?: ClassifyOptions & { topK?: 1 }): Promise<ClassifyLabel>;
  classify(input: string, options: ClassifyOptions): Promise<ClassifyResult>;
  classify(input: string[], options?: ClassifyOptions & { topK?: 1 }): Promise<ClassifyLabel[]>;
  classify(input: string[], options: ClassifyOptions): Promise<ClassifyResult[]>;
  classify(input: string | string[], options: ClassifyOptions = {}): Promise<ClassifyResult | ClassifyResult[]> {
    return runClassify(this.#ctx, input, options);
  }

  /**
   * Token classification / NER (a DistilBertForTokenClassification checkpoint), as HF's
   * token-classification pipeline: per-token `{ entity, score, index, word, start, end }` with
   * the default `aggregationStrategy: 'none'`, else `{ entity_group, score, word, start, end }`.
   * `start`/`end` index the input string.
   */
  tokenClassify(input: string, options?: TokenClassifyOptions & { aggregationStrategy?: 'none' }): Promise<TokenEntity[]>;
  tokenClassify(input: string, options: TokenClassifyOptions): Promise<TokenEntity[] | EntityGroup[]>;
  tokenClassify(input: string[], options?: TokenClassifyOptions & { aggregationStrategy?: 'none' }): Promise<TokenEntity[][]>;
  tokenClassify(input: string[], options: TokenClassifyOptions): Promise<TokenClassifyResult[]>;
  tokenClassify(
    input: string | string[],
    options: TokenClassifyOptions = {},
  ): Promise<TokenClassifyResult | TokenClassifyResult[]> {
    return runTokenClassify(this.#ctx, input, options);
  }

  /**
   * Extractive question answering (a DistilBertForQuestionAnswering checkpoint), as HF's
   * question-answering pipeline: `{ score, start, end, answer }` with the default `topK: 1`,
   * else an array of them; `start`/`end` index the context. Long contexts are read in
   * overlapping windows. Takes `(question, context)`, `{ question, context }` or an array of those objects.
   */
  answerQuestion(question: string, context: string, options?: QuestionAnsweringOptions): Promise<AnswerResult>;
  answerQuestion(input: QuestionAnsweringInput, options?: QuestionAnsweringOptions & { topK?: 1 }): Promise<Answer>;
  answerQuestion(input: QuestionAnsweringInput, options?: QuestionAnsweringOptions): Promise<AnswerResult>;
  answerQuestion(input: QuestionAnsweringInput[], options?: QuestionAnsweringOptions): Promise<AnswerResult[]>;
  answerQuestion(
    a: string | QuestionAnsweringInput | QuestionAnsweringInput[],
    b?: string | QuestionAnsweringOptions,
    c?: QuestionAnsweringOptions,
  ): Promise<AnswerResult | AnswerResult[]> {
    if (typeof a === 'string') {
      if (typeof b !== 'string') return Promise.reject(invalidArgument('a context string', 'context', b));
      return runQuestionAnswering(this.#ctx, { question: a, context: b }, c ?? {});
    }
    return runQuestionAnswering(this.#ctx, a, (b ?? {}) as QuestionAnsweringOptions);
  }

  /**
   * Sentence embeddings from any DistilBERT checkpoint: one `Float32Array` of `info.config.dim`
   * values per input (a string gives one, an array gives an array). Default: mean pooling, L2-normalized.
   */
  embed(input: string, options?: EmbedOptions): Promise<Float32Array>;
  embed(input: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  embed(input: string | string[], options: EmbedOptions = {}): Promise<Float32Array | Float32Array[]> {
    return runEmbed(this.#ctx, input, options);
  }

  /**
   * Frees the weights. Calls still queued reject `DBN_DISPOSED`; the batch already running
   * completes first. Safe to call more than once.
   */
  dispose(): Promise<void> {
    this.#disposed ??= this.#batcher.close().then(() => this.#native.dispose());
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

const LOAD_OPTION_NAMES: readonly string[] = [
  'device', 'dtype', 'format', 'threads', 'maxBatchTokens', 'maxBatchSize', 'maxWaitMs', 'maxQueue', ...HUB_OPTION_NAMES,
];

/**
 * Loads a Hugging Face DistilBERT checkpoint directory, (config.json + model.safetensors +
 * tokenizer.json or vocab.txt), a Hub id (`'distilbert-base-uncased'`, `'org/name'`) through
 * Python's cache (an existing path is always a path), or a TorchScript archive from tools/model/export-torchscript.py.
 * Reading and mapping the weights happens off the JS thread.
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  if (typeof path !== 'string' || path.length === 0) throw invalidArgument('a model directory path or Hub id', 'path', path);
  if (options === null || typeof options !== 'object') throw invalidArgument('an options object', 'options', options);
  for (const key of Object.keys(options)) {
    if (!LOAD_OPTION_NAMES.includes(key)) throw invalidArgument(`one of ${LOAD_OPTION_NAMES.join(', ')}`, 'an option name', key);
  }
  const { threads, maxBatchTokens, maxBatchSize, maxWaitMs, maxQueue, revision, localFilesOnly, onProgress, cacheDir, ...rest } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 1024)) {
    throw invalidArgument('an integer from 0 to 1024', 'options.threads', threads);
  }
  const batching = batchingConfig({ maxBatchTokens, maxBatchSize, maxWaitMs, maxQueue });
  const nativeOptions = threads === undefined ? rest : { ...rest, threads };
  const dir = await resolveModelPath(path, { revision, localFilesOnly, onProgress, cacheDir });
  return new Model(await native().loadModel(dir, nativeOptions), batching);
}

export { DistilBertError };
