/**
 * `pipeline()`'s load options as transformers.js users pass them (`device`, `dtype`, `revision`,
 * `local_files_only`, `progress_callback`, `cache_dir`) mapped onto loadModel's; the
 * transformers.js options that have no meaning here (ONNX Runtime session settings, ONNX file
 * names, ...) reject naming the option instead of being ignored, so a setting never silently
 * does nothing.
 */
import { checkOptions, invalidArgument, readCaller, unknownOption, withLabels } from '../model/checks';
import { LOAD_OPTION_NAMES } from '../model/ModelBase';
import { DistilBertError } from '../model/errors';
import { native } from '../native';
import type { LoadModelOptions } from './Model';

/** transformers.js's progress event, as its `progress_callback` receives it. */
export interface TransformersJsProgress {
  status: 'initiate' | 'download' | 'progress' | 'done';
  name: string;
  file: string;
  loaded: number;
  total: number;
  /** Percent, 0-100. */
  progress: number;
}

/** The transformers.js option names `pipeline()` also takes. */
export interface TransformersJsLoadOptions {
  /** `'cpu'`, `'cuda'` (or `'cuda:N'`), or `'auto'`: CUDA when a device is visible, else CPU. */
  device?: string;
  /** `'fp32'` or `'bf16'` (or ours: `'float32'`, `'bfloat16'`); `'auto'` is `'fp32'`. `'fp16'` rejects. */
  dtype?: string;
  revision?: string;
  local_files_only?: boolean;
  progress_callback?: (event: TransformersJsProgress) => void;
  cache_dir?: string;
}

export type PipelineOptions = LoadModelOptions & TransformersJsLoadOptions;

/** transformers.js options with nothing to map to here, and why (said in the rejection). */
const NO_MEANING: Readonly<Record<string, string>> = {
  session_options: 'there is no ONNX Runtime session here (libtorch runs the model); use threads for intra-op threads',
  model_file_name: 'the weights are model.safetensors or model.torchscript.pt; use format to choose',
  subfolder: 'ONNX exports live in a subfolder; this package reads the checkpoint directory itself',
  use_external_data_format: 'it concerns ONNX files only',
  config: 'config.json is read from the checkpoint',
  model_file_name_suffix: 'it concerns ONNX files only',
};

const DTYPES: Readonly<Record<string, 'float32' | 'bfloat16' | undefined>> = {
  auto: undefined,
  fp32: 'float32',
  float32: 'float32',
  bf16: 'bfloat16',
  bfloat16: 'bfloat16',
};

function mapDtype(dtype: unknown, device: string | undefined): 'float32' | 'bfloat16' | undefined {
  if (dtype === undefined) return undefined;
  if (typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, dtype)) return DTYPES[dtype];
  if (dtype === 'fp16' || dtype === 'float16') {
    const where = device !== undefined && device.startsWith('cuda') ? 'on CUDA either' : 'on CPU';
    throw new DistilBertError(
      'DBN_INVALID_ARGUMENT',
      `Expected 'fp32' or 'bf16' for options.dtype but received '${dtype}': float16 is not supported ${where}; use 'bf16' (same memory, float32 accumulation) or 'fp32'`,
    );
  }
  throw invalidArgument("one of 'fp32', 'bf16', 'auto' (quantized ONNX dtypes have no meaning here)", 'options.dtype', dtype);
}

function mapDevice(device: unknown): string | undefined {
  if (device === undefined) return undefined;
  if (device === 'auto') return native().runtimeInfo().cudaDeviceCount > 0 ? 'cuda' : 'cpu';
  if (typeof device === 'string' && (device === 'cpu' || /^cuda(:\d+)?$/.test(device))) return device;
  throw invalidArgument("one of 'cpu', 'cuda', 'cuda:N', 'auto'", 'options.device', device);
}

/**
 * loadModel's options from `pipeline()`'s: transformers.js's names mapped, ours passed
 * through (loadModel checks them), a name given both ways or one without meaning here rejects.
 */
/** transformers.js's names and the loadModel option each maps to. */
const TJS_NAMES: Readonly<Record<string, string>> = {
  local_files_only: 'localFilesOnly',
  cache_dir: 'cacheDir',
  progress_callback: 'onProgress',
};

/** Every load option name pipeline() takes (the transformers.js ones without meaning included, to say why). */
const KNOWN_LOAD_NAMES: readonly string[] = [...new Set([...LOAD_OPTION_NAMES, ...Object.keys(TJS_NAMES)])];

export function loadOptionsOf(options: unknown, modelId: string): LoadModelOptions {
  if (options === undefined) return {};
  checkOptions(options);
  const out: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const set = (name: string, key: string, value: unknown): void => {
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      throw new DistilBertError(
        'DBN_INVALID_ARGUMENT',
        `Expected only one of options.${labels[name] ?? name} and options.${key} (two names for one option) but received both; pass one`,
      );
    }
    out[name] = value;
    if (name !== key) labels[name] = key;
  };
  // Each value read once, into a plain copy.
  const given = readCaller('options', () => Object.fromEntries(Object.keys(options as object).map((k) => [k, (options as Record<string, unknown>)[k]])));
  for (const [key, value] of Object.entries(given)) {
    if (!Object.prototype.hasOwnProperty.call(NO_MEANING, key) && !KNOWN_LOAD_NAMES.includes(key)) {
      throw unknownOption(key, 'pipeline()', KNOWN_LOAD_NAMES);
    }
    if (Object.prototype.hasOwnProperty.call(NO_MEANING, key)) {
      throw new DistilBertError('DBN_INVALID_ARGUMENT', `options.${key} is a transformers.js option with no meaning here: ${NO_MEANING[key]}; remove it`);
    }
    if (value === undefined) continue;
    if (key === 'local_files_only') set('localFilesOnly', key, value);
    else if (key === 'cache_dir') set('cacheDir', key, value);
    else if (key === 'progress_callback') {
      if (typeof value !== 'function') throw invalidArgument('a function', 'options.progress_callback', value);
      const cb = value as (e: TransformersJsProgress) => void;
      set('onProgress', key, (e: { status: string; file: string; loaded: number; total: number }) =>
        cb({
          status: e.status === 'download' ? 'progress' : 'done',
          name: modelId,
          file: e.file,
          loaded: e.loaded,
          total: e.total,
          progress: e.total > 0 ? (100 * e.loaded) / e.total : 100,
        }),
      );
    } else if (key === 'device') set('device', key, mapDevice(value));
    else if (key === 'dtype') continue; // below: its message depends on the device
    else set(key, key, value);
  }
  const dtype = mapDtype(given.dtype, out.device as string | undefined);
  if (dtype !== undefined) out.dtype = dtype;
  if (out.device === undefined) delete out.device;
  return withLabels(out, labels) as LoadModelOptions;
}
