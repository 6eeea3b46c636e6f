/**
 * `distilbert-native doctor` against what this machine has, read independently: /proc/cpuinfo
 * through grep, Debian's package database, and Python's torch (the same Debian libtorch).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findings } from '../../lib/cli/doctor';
import type { RuntimeInfo } from '../../lib/index';
import { PYTHON, ROOT } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const doctor = () => {
  const r = spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { info: RuntimeInfo; findings: { level: string; message: string }[] };
};
const cpuHas = (flag: string) => spawnSync('grep', ['-qw', flag, '/proc/cpuinfo']).status === 0;

describe('distilbert-native doctor', () => {
  it('reports the CPU features /proc/cpuinfo lists', () => {
    const { info } = doctor();
    expect(info.cpu.avx2).toBe(cpuHas('avx2'));
    expect(info.cpu.avx512).toBe(cpuHas('avx512f'));
    expect(info.cpu.avx512bf16).toBe(cpuHas('avx512_bf16'));
    expect(info.cpu.amx).toBe(cpuHas('amx_bf16'));
    expect(info.cpu.cores).toBeGreaterThan(0);
  });

  it('reports the libtorch, CUDA and BLAS this machine has', () => {
    const { info } = doctor();
    const debian = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libtorch1.13'], { encoding: 'utf8' });
    if (debian.status === 0) expect(debian.stdout.startsWith(info.libtorch.version.split('.').slice(0, 2).join('.'))).toBe(true);
    const py = JSON.parse(execFileSync(PYTHON, ['-c', 'import json, torch; print(json.dumps({"cuda": torch.version.cuda is not None, "mkldnn": torch.backends.mkldnn.is_available()}))'], { encoding: 'utf8' }));
    expect(info.libtorch.cudaCompiled).toBe(py.cuda);
    expect(info.libtorch.mkldnn).toBe(py.mkldnn);
    expect(fs.existsSync(info.addon.path)).toBe(true);
    expect(info.addon.path.endsWith('.node')).toBe(true);
    const mapsOpenblas = fs.realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3').includes('openblas');
    expect(info.libtorch.libraries.some((l) => l.includes('openblas'))).toBe(mapsOpenblas);
    expect(info.package.version).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('says what to fix: the reference BLAS, a CUDA build with no device, no bfloat16', () => {
    const base: RuntimeInfo = {
      package: { name: 'distilbert-native', version: '0', path: '/' },
      addon: { path: '/x.node' },
      engine: { loaded: true, path: '/libdbn_engine-torch1.13.so', flavour: 'torch1.13', searched: [], error: '' },
      libtorch: { version: '1.13.0', source: 'debian', dir: '/usr/lib/x86_64-linux-gnu', cudaCompiled: false, cudaVersion: '', cudaDevices: 0, mkldnn: true, onednnLinear: true, blas: 'generic', libraries: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'] },
      cpu: { model: 'x', cores: 2, avx2: true, avx512: false, avx512bf16: false, amx: false, bfloat16: false },
    };
    const f = findings(base);
    expect(f).toContainEqual({ level: 'warn', message: expect.stringMatching(/apt-get install libopenblas0-openmp/) });
    expect(f.some((x) => /neither AVX512-BF16 nor AMX/.test(x.message))).toBe(true);
    const cuda = findings({ ...base, libtorch: { ...base.libtorch, cudaCompiled: true, cudaDevices: 0 } });
    expect(cuda).toContainEqual({ level: 'warn', message: expect.stringMatching(/no device is visible/) });
    expect(findings({ ...base, libtorch: { ...base.libtorch, cudaCompiled: true, cudaDevices: 2 } }).some((x) => x.message === 'CUDA: 2 device(s)')).toBe(true);
  });

  it('prints a readable table with the findings', () => {
    const r = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^libtorch +\d+\.\d+/m);
    expect(r.stdout).toMatch(/^(ok|warn|error) +BLAS: /m);
  });
});
