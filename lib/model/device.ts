/**
 * Device selection: `'auto'` (the default, or DBN_DEVICE) is CUDA when this libtorch has it and
 * a device is visible, else the CPU; `'cuda'` / `'cuda:N'` where that cannot work is rejected
 * with DBN_CUDA_UNAVAILABLE saying which of the three reasons holds and what to install.
 */
import type { NativeRuntimeInfo } from '../native';
import { invalidArgument } from './checks';
import { DistilBertError } from './errors';

export type DeviceRequest = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

type CudaFacts = Pick<NativeRuntimeInfo, 'cudaCompiled' | 'cudaVersion' | 'cudaDeviceCount' | 'libtorchVersion'>;

let cached: CudaFacts | undefined;
/** What libtorch says about CUDA, read once per process (it builds at::show_config()'s text). */
export function cudaFactsOnce(read: () => CudaFacts): CudaFacts {
  cached ??= read();
  return cached;
}

/**
 * The device to load on: `requested` (an option), else `env` (DBN_DEVICE), else `'auto'`.
 * Pure, so that machines with and without GPUs can be tested alike.
 */
export function chooseDevice(requested: unknown, env: string | undefined, cuda: () => CudaFacts): string {
  const fromEnv = requested === undefined && env !== undefined && env !== '';
  const value = requested === undefined ? (fromEnv ? env : 'auto') : requested;
  const name = fromEnv ? 'DBN_DEVICE' : 'options.device';
  if (typeof value !== 'string') throw invalidArgument("'auto', 'cpu', 'cuda' or 'cuda:N'", name, value);
  if (value === 'cpu') return 'cpu';
  if (value === 'auto') {
    const facts = cuda();
    return facts.cudaCompiled && facts.cudaDeviceCount > 0 ? 'cuda' : 'cpu';
  }
  const m = /^cuda(?::(0|[1-9][0-9]{0,3}))?$/.exec(value);
  if (!m) throw invalidArgument("'auto', 'cpu', 'cuda' or 'cuda:N'", name, value);
  const facts = cuda();
  if (!facts.cudaCompiled) {
    throw new DistilBertError(
      'DBN_CUDA_UNAVAILABLE',
      `${name} is "${value}", but this libtorch (${facts.libtorchVersion}) was built without CUDA ` +
        "(Debian's libtorch is CPU-only). For a GPU, build from source against a CUDA PyTorch " +
        '(pip install torch, then npm rebuild distilbert-native --build-from-source); or use "auto" or "cpu".',
    );
  }
  if (facts.cudaDeviceCount === 0) {
    throw new DistilBertError(
      'DBN_CUDA_UNAVAILABLE',
      `${name} is "${value}" and libtorch has CUDA ${facts.cudaVersion || ''}, but no GPU is visible: ` +
        'check the NVIDIA driver (nvidia-smi) and CUDA_VISIBLE_DEVICES; or use "auto" or "cpu".',
    );
  }
  const index = m[1] === undefined ? 0 : Number(m[1]);
  if (index >= facts.cudaDeviceCount) {
    throw new DistilBertError(
      'DBN_CUDA_UNAVAILABLE',
      `${name} is "${value}", but ${facts.cudaDeviceCount} CUDA device(s) are visible ` +
        `(cuda:0 to cuda:${facts.cudaDeviceCount - 1}).`,
    );
  }
  return value;
}
