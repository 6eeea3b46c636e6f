/**
 * What a loaded model is below its tasks: the native model, its tokenizer and request queue,
 * info, stats and lifecycle. The task methods (fillMask, classify, ...) are added by `Model`
 * in lib/pipelines/Model.ts, which extends this class: the pipelines sit above this folder and
 * this folder never imports them.
 */
import fs from 'node:fs';
import { native, type NativeModel, type NativeModelConfig, type NativeModelInfo } from '../native';
import { Batcher, batchingConfig, type BatchingConfig, type BatchingOptions } from './batcher';
import { checkInteger, checkOptions, checkPath, invalidArgument } from './checks';
import { chooseDevice, cudaFactsOnce } from './device';
import { toDistilBertError } from './errors';
import { HUB_OPTION_NAMES, type HubOptions } from '../hub/options';
import type { ModelStats } from './stats';
import { Tokenizer } from './Tokenizer';

/**
 * `revision` (default `'main'`), `localFilesOnly` (default `false`), `onProgress` and `cacheDir`
 * apply when the first argument of {@link loadModel} is a Hugging Face Hub id (see lib/hub).
 */
export interface LoadModelOptions extends BatchingOptions, HubOptions {
  /**
   * `'auto'` (default; or the DBN_DEVICE environment variable): CUDA when this libtorch has it
   * and a GPU is visible, else the CPU (`info.device` says which). `'cpu'`, `'cuda'`,
   * `'cuda:N'`: that device, or `DBN_CUDA_UNAVAILABLE` saying why it cannot be used.
   */
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
 * The parts of a loaded model a task runs on (the pipelines' run* functions take them; not
 * part of the public API, but named by their declarations, so not stripped from the .d.ts).
 */
export interface ModelParts {
  readonly native: NativeModel;
  /**
   * `native.info.config`, read once: it never changes, and every call reads it (the native
   * `info` getter builds a new object each time, which costs tens of µs on a cache-cold call).
   */
  readonly config: NativeModelConfig;
  readonly tokenizer: Tokenizer;
  readonly batcher: Batcher;
}

/** A loaded checkpoint without its task methods (see `Model`). */
export class ModelBase {
  readonly tokenizer: Tokenizer;
  /** @internal */
  readonly parts: ModelParts;
  #disposed: Promise<void> | undefined;

  /** @internal */
  constructor(nativeModel: NativeModel, batching: BatchingOptions = {}) {
    this.tokenizer = new Tokenizer(nativeModel.tokenizer);
    this.parts = { native: nativeModel, config: nativeModel.info.config, tokenizer: this.tokenizer, batcher: new Batcher(batching) };
  }

  get info(): NativeModelInfo {
    return this.parts.native.info;
  }

  /** Work counters since load: queue depth, batches, sequences and tokens run, busy time. */
  stats(): ModelStats {
    return this.parts.batcher.stats();
  }

  /** @internal The request queue (tests and metrics). */
  get batcher(): Batcher {
    return this.parts.batcher;
  }

  /**
   * Frees the weights. Calls still queued reject `DBN_DISPOSED`; the batch already running
   * completes first. Safe to call more than once.
   */
  dispose(): Promise<void> {
    this.#disposed ??= this.parts.batcher.close().then(() => this.parts.native.dispose());
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/**
 * Checks `loadModel`'s arguments and loads the native model (off the JS thread); native
 * failures reject as `DistilBertError`.
 * @internal
 */
const LOAD_OPTION_NAMES: readonly string[] = [
  'device', 'dtype', 'format', 'threads', 'maxBatchTokens', 'maxBatchSize', 'maxWaitMs', 'maxQueue', ...HUB_OPTION_NAMES,
];

export async function openModel(
  path: string,
  options: LoadModelOptions,
): Promise<{ nativeModel: NativeModel; batching: BatchingConfig }> {
  checkPath(path, 'a model directory path or Hub id');
  checkOptions(options);
  for (const key of Object.keys(options)) {
    if (!LOAD_OPTION_NAMES.includes(key)) throw invalidArgument(`one of ${LOAD_OPTION_NAMES.join(', ')}`, 'an option name', key);
  }
  const { threads, maxBatchTokens, maxBatchSize, maxWaitMs, maxQueue, revision, localFilesOnly, onProgress, cacheDir, device, ...rest } = options;
  checkInteger(threads, 'options.threads', 0, 1024);
  const batching = batchingConfig({ maxBatchTokens, maxBatchSize, maxWaitMs, maxQueue });
  let chosen: string;
  try {
    chosen = chooseDevice(device, process.env.DBN_DEVICE, () => cudaFactsOnce(() => native().runtimeInfo()));
  } catch (e) {
    throw toDistilBertError(e);
  }
  const nativeOptions = { ...rest, device: chosen, ...(threads === undefined ? {} : { threads }) };
  // A path that exists is a path; only a Hub id loads the Hub client (tens of ms of require).
  const dir = fs.existsSync(path)
    ? path
    : await (await import('../hub')).resolveModelPath(path, { revision, localFilesOnly, onProgress, cacheDir });
  try {
    return { nativeModel: await native().loadModel(dir, nativeOptions), batching };
  } catch (e) {
    throw toDistilBertError(e);
  }
}
