/**
 * What a loaded model is below its tasks: the native model, its tokenizer and request queue,
 * info, stats and lifecycle. The task methods (fillMask, classify, ...) are added by `Model`
 * in lib/pipelines/Model.ts, which extends this class: the pipelines sit above this folder and
 * this folder never imports them.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { native, type NativeModel, type NativeModelConfig, type NativeModelInfo, type NativeRuntimeInfo } from '../native';
import { Batcher, batchingConfig, type BatchingConfig, type BatchingOptions } from './batcher';
import { checkInteger, checkPath, readOptions } from './checks';
import { chooseDevice, cudaFactsOnce } from './device';
import { DistilBertError, toDistilBertError } from './errors';
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
  readonly #parts: ModelParts;
  #disposed: Promise<void> | undefined;

  /** @internal */
  constructor(nativeModel: NativeModel, batching: BatchingOptions = {}) {
    this.tokenizer = new Tokenizer(nativeModel.tokenizer);
    this.#parts = { native: nativeModel, config: nativeModel.info.config, tokenizer: this.tokenizer, batcher: new Batcher(batching) };
  }

  /** True for a model made by loadModel() (not, say, `Object.create(Model.prototype)`). */
  static isModel(value: unknown): value is ModelBase {
    return typeof value === 'object' && value !== null && #parts in value;
  }

  /** @internal */
  get parts(): ModelParts {
    if (!ModelBase.isModel(this)) {
      throw new DistilBertError('DBN_INVALID_ARGUMENT', 'This object is not a model made by loadModel(); load one with loadModel(path)');
    }
    return this.#parts;
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
   * Frees everything the model holds, at once: the weights, its inference thread (joined) and
   * its tokenizer (`model.tokenizer` then throws `DBN_DISPOSED`). Calls still queued reject
   * `DBN_DISPOSED`; the batch already running completes first. Safe to call more than once.
   */
  dispose(): Promise<void> {
    const { batcher, native: nativeModel, tokenizer } = this.parts;
    this.#disposed ??= batcher
      .close()
      .then(() => nativeModel.dispose())
      .finally(() => tokenizer.dropCaches());
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** Every option name `loadModel` takes. @internal */
export const LOAD_OPTION_NAMES: readonly string[] = [
  'device', 'dtype', 'format', 'threads', 'maxBatchTokens', 'maxBatchSize', 'maxWaitMs', 'adaptiveWait', 'maxQueue', ...HUB_OPTION_NAMES,
];

/**
 * Checks `loadModel`'s arguments and loads the native model (off the JS thread); native
 * failures reject as `DistilBertError`.
 * @internal
 */
function engineFacts(): NativeRuntimeInfo {
  const r = native().runtimeInfo();
  if (r.engine && !r.engine.loaded) throw Object.assign(new Error(r.engine.error), { code: 'DBN_NATIVE_UNAVAILABLE' });
  return r;
}

export async function openModel(
  path: string,
  options: LoadModelOptions | undefined,
): Promise<{ nativeModel: NativeModel; batching: BatchingConfig }> {
  checkPath(path, 'a model directory path or Hub id');
  const { values, label } = readOptions<LoadModelOptions>(options, LOAD_OPTION_NAMES as (keyof LoadModelOptions & string)[], 'loadModel');
  const { threads, maxBatchTokens, maxBatchSize, maxWaitMs, adaptiveWait, maxQueue, revision, localFilesOnly, onProgress, cacheDir, device, ...rest } = values;
  checkInteger(threads, label('threads'), 0, 1024);
  const batching = batchingConfig({ maxBatchTokens, maxBatchSize, maxWaitMs, adaptiveWait, maxQueue });
  let chosen: string;
  try {
    // runtimeInfo() loads the engine library (once; sync, on this thread) to read libtorch's
    // CUDA facts. Without one, say so now rather than "this libtorch has no CUDA".
    chosen = chooseDevice(device, process.env.DBN_DEVICE, () => cudaFactsOnce(() => engineFacts()));
  } catch (e) {
    throw toDistilBertError(e);
  }
  const nativeOptions = { ...rest, device: chosen, ...(threads === undefined ? {} : { threads }) };
  // A path that exists is a path; only a Hub id loads the Hub client (tens of ms of require).
  const dir = checkModelPath(path)
    ? path
    : await (await import('../hub')).resolveModelPath(path, { revision, localFilesOnly, onProgress, cacheDir });
  try {
    return { nativeModel: await native().loadModel(dir, nativeOptions), batching };
  } catch (e) {
    throw loadFailure(toDistilBertError(e), dir);
  }
}

/**
 * Whether `path` exists; throws `DBN_MODEL_LOAD_FAILED` when it exists but cannot be a model:
 * not a directory nor a regular file (`/dev/null`, a FIFO), or one of a checkpoint's JSON or
 * text files (`config.json`) where its folder was meant. A regular file is otherwise a
 * weights file (model.safetensors, a TorchScript archive) and the native side reads it.
 */
function checkModelPath(path: string): boolean {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(path, { throwIfNoEntry: false });
  } catch {
    return false; // a NUL byte, say: the native side names the problem
  }
  if (stat === undefined) return false;
  if (stat.isDirectory()) return true;
  if (stat.isFile()) {
    if (/\.(json|txt)$/i.test(path)) {
      const name = nodePath.basename(path);
      throw new DistilBertError(
        'DBN_MODEL_LOAD_FAILED',
        `model path ${JSON.stringify(path)} is the checkpoint's ${name}, not its directory; pass the directory that holds it: ${JSON.stringify(nodePath.dirname(path))}`,
      );
    }
    return true;
  }
  const kind = stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'not a regular file';
  throw new DistilBertError(
    'DBN_MODEL_LOAD_FAILED',
    `model path ${JSON.stringify(path)} is ${kind}, not a checkpoint directory; pass a directory with config.json and model.safetensors (or a weights file in one)`,
  );
}

/** Load-time wording for what the engine reports in inference terms. */
function loadFailure(error: DistilBertError, dir: string): DistilBertError {
  if (error.code !== 'DBN_OUT_OF_MEMORY') return error;
  // The engine's wording ("out of memory; use smaller batches ...") is for inference.
  const detail = error.message.replace(/[.;] *use smaller batches or shorter inputs\.?$/i, '').replace(/^out of memory(:|;)? */i, '');
  const out = new DistilBertError(
    'DBN_OUT_OF_MEMORY',
    `out of memory while loading ${JSON.stringify(dir)}${detail ? ` (${detail})` : ''}; ` +
      'free memory (dispose models no longer used) or load a smaller checkpoint or dtype',
  );
  out.stack = error.stack?.replace(/^.*\n/, `${out.name}: ${out.message}\n`);
  return out;
}
