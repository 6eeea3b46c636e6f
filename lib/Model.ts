import { DistilBertError, invalidArgument } from './errors';
import { runFillMask, type FillMaskOptions, type FillMaskOutput } from './fillMask';
import { native, type NativeModel, type NativeModelInfo } from './native';
import { Tokenizer } from './Tokenizer';

export interface LoadModelOptions {
  /** `'cpu'` (default) or `'cuda'` / `'cuda:N'` when libtorch was built with CUDA. */
  device?: string;
  /** Compute dtype. Default `'float32'`. */
  dtype?: 'float32';
  /** Weights format: `'auto'` (default: model.safetensors, else model.torchscript.pt), `'safetensors'` or `'torchscript'`. */
  format?: 'auto' | 'safetensors' | 'torchscript';
  /** Intra-op threads for this model's inference thread. Default: all cores. */
  threads?: number;
}

/** A loaded DistilBERT checkpoint. Inference runs on the model's own native thread. */
export class Model {
  readonly tokenizer: Tokenizer;
  readonly #native: NativeModel;

  /** @internal */
  constructor(nativeModel: NativeModel) {
    this.#native = nativeModel;
    this.tokenizer = new Tokenizer(nativeModel.tokenizer);
  }

  get info(): NativeModelInfo {
    return this.#native.info;
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
    if (options === null || typeof options !== 'object') throw invalidArgument('an options object', 'options', options);
    if (typeof input === 'string') {
      const [out] = await runFillMask(this.#native, this.tokenizer, [input], options);
      return out!;
    }
    if (!Array.isArray(input)) throw invalidArgument('a string or an array of strings', 'input', input);
    input.forEach((t, i) => {
      if (typeof t !== 'string') throw invalidArgument('a string', `input[${i}]`, t);
    });
    if (input.length === 0) return [];
    return runFillMask(this.#native, this.tokenizer, input, options);
  }

  /** Frees the weights after queued work finishes. Safe to call more than once. */
  dispose(): Promise<void> {
    return this.#native.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/**
 * Loads a Hugging Face DistilBERT checkpoint directory (config.json + model.safetensors +
 * tokenizer.json or vocab.txt), or a TorchScript archive from scripts/export-torchscript.py.
 * Reading and mapping the weights happens off the JS thread.
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  if (typeof path !== 'string' || path.length === 0) throw invalidArgument('a model directory path', 'path', path);
  if (options === null || typeof options !== 'object') throw invalidArgument('an options object', 'options', options);
  const { threads } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 1024)) {
    throw invalidArgument('an integer from 0 to 1024', 'options.threads', threads);
  }
  return new Model(await native().loadModel(path, options));
}

export { DistilBertError };
