/**
 * `distilbert-native doctor`: what this installation runs on — the package, the addon and the
 * engine library and where each came from, libtorch (where it was found or what was searched;
 * CUDA, BLAS, oneDNN), the CPU's features — and, plainly, what is missing and how to fix it.
 * Exit status 0 when the engine can run, 1 when it cannot (tokenizers still work then).
 */
import type { Command } from 'commander';
import { runtimeInfo, type RuntimeInfo } from '../index';
import { EXIT_ERROR, EXIT_OK } from './common';

interface Finding {
  level: 'ok' | 'warn' | 'error';
  message: string;
}

/** The advice, from what was found; pure so it is tested on made-up machines too. */
export function findings(info: RuntimeInfo): Finding[] {
  const out: Finding[] = [];
  if (!info.engine.loaded) {
    out.push({ level: 'error', message: `engine: ${info.engine.error}` });
    return out;
  }
  const libs = info.libtorch.libraries;
  const blas = libs.find((l) => /libblas\.so/.test(l)) ?? '';
  if (libs.some((l) => /openblas/.test(l))) out.push({ level: 'ok', message: 'BLAS: OpenBLAS' });
  else if (/\/blas\/libblas/.test(blas)) {
    out.push({
      level: 'warn',
      message: `BLAS: the reference BLAS (${blas}) is about 40x slower; install OpenBLAS: apt-get install libopenblas0-openmp`,
    });
  } else out.push({ level: 'ok', message: `BLAS: ${blas || info.libtorch.blas || 'as libtorch was built'}` });
  if (!info.libtorch.onednnLinear) {
    out.push({ level: 'ok', message: "oneDNN packed GEMMs: not in this build (linear layers use libtorch's at::linear)" });
  }
  if (info.cpu.bfloat16) out.push({ level: 'ok', message: "bfloat16: supported on this CPU (dtype: 'bfloat16')" });
  else out.push({ level: 'ok', message: "bfloat16: this CPU has neither AVX512-BF16 nor AMX; dtype 'bfloat16' is rejected on the CPU" });
  if (!info.libtorch.cudaCompiled) {
    out.push({ level: 'ok', message: 'CUDA: this libtorch has no CUDA (CPU only); for a GPU, build from source against a CUDA PyTorch wheel' });
  } else if (info.libtorch.cudaDevices === 0) {
    out.push({ level: 'warn', message: 'CUDA: libtorch has CUDA but no device is visible (check the NVIDIA driver and CUDA_VISIBLE_DEVICES)' });
  } else out.push({ level: 'ok', message: `CUDA: ${info.libtorch.cudaDevices} device(s)` });
  return out;
}

function table(info: RuntimeInfo): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const rows: [string, string][] = [
    ['package', `${info.package.name} ${info.package.version} (${info.package.path})`],
    ['addon', info.addon.path],
    ['engine', info.engine.loaded ? `${info.engine.path} (${info.engine.flavour})` : 'not loaded (see below)'],
    ['libtorch', info.engine.loaded ? `${info.libtorch.version} from ${info.libtorch.source} (${info.libtorch.dir})` : 'not found'],
    ['searched', info.engine.searched.join('\n' + ' '.repeat(15))],
    ['CUDA', info.libtorch.cudaCompiled ? `${info.libtorch.cudaVersion || 'yes'}, ${info.libtorch.cudaDevices} device(s)` : 'not in this libtorch'],
    ['oneDNN GEMMs', yes(info.libtorch.onednnLinear)],
    ['MKL-DNN', yes(info.libtorch.mkldnn)],
    ['BLAS_INFO', info.libtorch.blas],
    ['libraries', info.libtorch.libraries.join('\n' + ' '.repeat(15)) || '(none found)'],
    ['CPU', `${info.cpu.model}, ${info.cpu.cores} cores`],
    ['AVX2', yes(info.cpu.avx2)],
    ['AVX-512', yes(info.cpu.avx512)],
    ['AVX512-BF16', yes(info.cpu.avx512bf16)],
    ['AMX', yes(info.cpu.amx)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('what this installation runs on, and what is missing')
    .option('--json', 'one JSON object: {"info": ..., "findings": [...]}')
    .action((opts: { json?: boolean }) => {
      const info = runtimeInfo();
      const found = findings(info);
      if (opts.json) process.stdout.write(JSON.stringify({ info, findings: found }) + '\n');
      else process.stdout.write(table(info) + '\n' + found.map((f) => `${f.level.padEnd(5)}  ${f.message}`).join('\n') + '\n');
      process.exitCode = found.some((f) => f.level === 'error') ? EXIT_ERROR : EXIT_OK;
    });
}
