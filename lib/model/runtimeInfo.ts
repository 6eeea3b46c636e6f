/**
 * What this installation runs on: the package, the addon and the engine library it loaded,
 * libtorch (where it was found, CUDA, BLAS, oneDNN) and the CPU's features.
 * `distilbert-native doctor` prints it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native } from '../native';

export interface RuntimeInfo {
  package: { name: string; version: string; path: string };
  /** The `.node` file loaded (a prebuild or build/Release; DBN_ADDON_PATH overrides). */
  addon: { path: string };
  /**
   * The engine library (libtorch behind a C ABI), loaded by the first model or by this call.
   * `loaded: false` when no usable libtorch was found: `error` says what was searched and the
   * remedies, and the `libtorch` fields are empty.
   */
  engine: { loaded: boolean; path: string; flavour: string; searched: string[]; error: string };
  libtorch: {
    version: string;
    /** Where it was found: 'DBN_LIBTORCH', 'LIBTORCH', 'debian' or 'pytorch-wheel' ('' when not). */
    source: string;
    /** The folder its libraries were loaded from. */
    dir: string;
    /** This libtorch was built with CUDA. */
    cudaCompiled: boolean;
    cudaVersion: string;
    /** CUDA devices the driver shows (0 without CUDA, a driver or a GPU). */
    cudaDevices: number;
    /** libtorch's oneDNN (MKL-DNN) backend. */
    mkldnn: boolean;
    /** The engine's own oneDNN packed GEMMs (Debian builds) instead of at::linear. */
    onednnLinear: boolean;
    /** libtorch's BLAS_INFO, and the BLAS / oneDNN libraries this process actually mapped. */
    blas: string;
    libraries: string[];
  };
  cpu: {
    model: string;
    cores: number;
    avx2: boolean;
    avx512: boolean;
    avx512bf16: boolean;
    amx: boolean;
    /** `dtype: 'bfloat16'` can run here (AVX512-BF16 or AMX). */
    bfloat16: boolean;
  };
}

function cpuFlags(): { model: string; flags: Set<string> } {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
    const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(text)?.[1] ?? '').split(/\s+/));
    return { model, flags };
  } catch {
    return { model: os.cpus()[0]?.model ?? 'unknown', flags: new Set() };
  }
}

/** Shared libraries of BLAS, oneDNN and libtorch mapped into this process (Linux). */
function mappedLibraries(): string[] {
  try {
    const seen = new Set<string>();
    for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const file = line.split(/\s+/)[5];
      if (file && /(blas|lapack|dnnl|libtorch_cpu|libtorch_cuda|libc10_cuda)[^/]*\.so/.test(file)) seen.add(file);
    }
    return [...seen].sort();
  } catch {
    return [];
  }
}

/** Loads the addon and the engine library (if not yet loaded) and reports what they run on. */
export function runtimeInfo(): RuntimeInfo {
  const root = path.join(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const r = native().runtimeInfo();
  const { model, flags } = cpuFlags();
  const avx512bf16 = flags.has('avx512_bf16');
  const amx = flags.has('amx_bf16');
  return {
    package: { name: pkg.name, version: pkg.version, path: root },
    addon: { path: r.addonPath },
    engine: { loaded: r.engine.loaded, path: r.engine.path, flavour: r.engine.flavour, searched: r.engine.searched, error: r.engine.error },
    libtorch: {
      version: r.libtorchVersion || r.engine.libtorchVersion,
      source: r.engine.libtorchSource,
      dir: r.engine.libtorchDir,
      cudaCompiled: r.cudaCompiled,
      cudaVersion: r.cudaVersion,
      cudaDevices: r.cudaDeviceCount,
      mkldnn: r.mkldnn,
      onednnLinear: r.onednnLinear,
      blas: r.blas,
      libraries: mappedLibraries(),
    },
    cpu: {
      model,
      cores: os.availableParallelism(),
      avx2: flags.has('avx2'),
      avx512: flags.has('avx512f'),
      avx512bf16,
      amx,
      bfloat16: avx512bf16 || amx,
    },
  };
}
