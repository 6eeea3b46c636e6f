/**
 * What this installation runs on: the package, the native binary it loaded, libtorch (CUDA,
 * BLAS, oneDNN) and the CPU's features. `distilbert-native doctor` prints it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native } from '../native';

export interface RuntimeInfo {
  package: { name: string; version: string; path: string };
  /** The `.node` file node-gyp-build picked (a prebuild or build/Release). */
  addon: { path: string };
  libtorch: {
    version: string;
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

/** Loads the addon (if not yet loaded) and reports what it runs on. */
export function runtimeInfo(): RuntimeInfo {
  const root = path.join(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const r = native().runtimeInfo();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gypBuild = require('node-gyp-build') as { path(dir: string): string };
  const { model, flags } = cpuFlags();
  const avx512bf16 = flags.has('avx512_bf16');
  const amx = flags.has('amx_bf16');
  return {
    package: { name: pkg.name, version: pkg.version, path: root },
    addon: { path: gypBuild.path(root) },
    libtorch: {
      version: r.libtorchVersion,
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
