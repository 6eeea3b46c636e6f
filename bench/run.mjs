// Side-by-side benchmark (`npm run bench` → bench/run.sh → this file).
//
//   node bench/run.mjs [--quick] [--systems a,b] [--workloads encoder,fill-mask]
//                      [--shapes 1x16,8x128,32x128,mixed32] [--threads N] [--rounds N]
//                      [--model fixtures/random-base] [--onnx fixtures/random-base-onnx]
//                      [--out fixtures/bench-results.json]
//
// Every (system, workload, shape) runs in its own child process under /usr/bin/time, so load
// time and peak RSS are per case, and the systems alternate case by case (the starting system
// rotates) so that drift in machine load hits them alike. Children print one JSON line
// (bench/common.mjs resultLine). The float32 GEMM peak is measured in the same run, before and
// after the cases. With --rounds N every case runs N times (the rounds interleave, so a slow
// spell of the machine hits each system in some rounds, not all of its samples) and the
// table reports, per case, the median of the rounds' p50s and the largest p99. Prints a
// markdown table; writes everything to --out.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, usefulFlops, readConfig } from './common.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const a = parseArgs(process.argv.slice(2));
const quick = Boolean(a.quick);
const threads = Number(a.threads ?? os.availableParallelism());
const modelDir = path.resolve(ROOT, a.model ?? 'fixtures/random-base');
const onnxDir = path.resolve(ROOT, a.onnx ?? 'fixtures/random-base-onnx');
const workloadsFile = path.resolve(ROOT, a['workloads-file'] ?? 'fixtures/bench-workloads.json');
const outFile = path.resolve(ROOT, a.out ?? 'fixtures/bench-results.json');
const PY = process.env.DBN_PYTHON ?? '/usr/bin/python3';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const list = (v, all) => (v ? String(v).split(',') : all);
const rounds = Number(a.rounds ?? 1);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${a.rounds}`);

const ALL_SYSTEMS = ['distilbert-native', 'distilbert-native-bf16', 'dbn_bench', 'onnxruntime-node', 'transformers.js', 'pytorch-eager'];
const systems = list(a.systems, ALL_SYSTEMS);
const workloads = list(a.workloads, ['encoder', 'fill-mask']);
const shapes = list(a.shapes, ['1x16', '8x128', '32x128', 'mixed32']);
for (const s of systems) if (!ALL_SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (have ${ALL_SYSTEMS.join(', ')})`);

// Iterations per shape: warm-up calls, then up to `iters` timed calls or `max` seconds of them.
// Sized so the full run stays under ~15 minutes on 2 cores even for the slowest system. 1x16
// calls take ~10 ms, so they get 50 warm-up calls: with 3, the timed calls of the JIT-compiled
// systems still ran while V8 compiled them (this package's API over dbn_bench, 5 interleaved
// rounds on 2026-12-02: median ratio 1.13 after 3 warm-up calls, 1.05 after 60).
const SCHEDULE = quick
  ? { '1x16': { warmup: 1, iters: 2, max: 0 }, default: { warmup: 0, iters: 1, max: 0 } }
  : {
      '1x16': { warmup: 50, iters: 60, max: 3 },
      '8x128': { warmup: 1, iters: 10, max: 6 },
      '32x128': { warmup: 1, iters: 5, max: 10 },
      mixed32: { warmup: 1, iters: 5, max: 10 },
    };
const CHILD_TIMEOUT_MS = Number(a['child-timeout'] ?? 600) * 1000;

const cfg = readConfig(modelDir);
const wlAll = JSON.parse(readFileSync(workloadsFile, 'utf8'));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbn-bench-'));

/** Runs argv under /usr/bin/time; returns { json (last stdout line), rssMb, wallS, error }. */
function runChild(argv, env = process.env) {
  const timeFile = path.join(tmp, 'time.txt');
  const cmd = TIME ? [TIME, '-f', '%M %e', '-o', timeFile, ...argv] : argv;
  const t0 = Date.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: ROOT, env, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 << 20 });
  const res = { wallS: (Date.now() - t0) / 1000 };
  if (TIME && existsSync(timeFile)) {
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
    res.rssMb = Number(last[0]) / 1024;
    rmSync(timeFile);
  }
  const line = (r.stdout ?? '').trim().split('\n').pop();
  try {
    if (r.status !== 0) throw new Error(`exit ${r.status ?? r.signal}`);
    res.json = JSON.parse(line);
  } catch (e) {
    res.error = `${e.message}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-4).join(' | ')}`.slice(0, 600);
  }
  return res;
}

function sgemmProbe(coretype) {
  const env = { ...process.env };
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  const r = runChild([PY, 'bench/sys-pytorch.py', '--sgemm', '--threads', String(threads), '--seconds', quick ? '0.5' : '2'], env);
  return r.json ?? { error: r.error, OPENBLAS_CORETYPE: coretype ?? null };
}

function sgemmSet() {
  // The inherited environment first (what every system below runs with), then OpenBLAS forced
  // to its AVX2 and AVX-512 kernels for this probe only: the peak is the best this CPU reaches.
  const probes = [sgemmProbe(null), sgemmProbe('Haswell')];
  if (/avx512f/.test(readFileSync('/proc/cpuinfo', 'utf8'))) probes.push(sgemmProbe('SkylakeX'));
  return probes;
}

function childArgs(system, workload, shape, sched) {
  const common = ['--workloads', workloadsFile, '--shape', shape, '--workload', workload, '--model', modelDir,
    '--threads', String(threads), '--warmup', String(sched.warmup), '--iters', String(sched.iters)];
  const node = (f) => [process.execPath, `bench/${f}`, ...common, '--onnx', onnxDir, '--max-seconds', String(sched.max)];
  switch (system) {
    case 'distilbert-native': return node('sys-native.mjs');
    case 'distilbert-native-bf16': return [...node('sys-native.mjs'), '--dtype', 'bfloat16'];
    case 'onnxruntime-node': return node('sys-ort.mjs');
    case 'transformers.js': return node('sys-transformersjs.mjs');
    case 'pytorch-eager': return [PY, 'bench/sys-pytorch.py', ...common, '--max-seconds', String(sched.max)];
    case 'dbn_bench': {
      // The native bench binary times the engine alone on random ids of the case's lengths (one
      // [MASK] per sequence for fill-mask), with no tokenizer, decoding or Node in the way.
      const w = wlAll.shapes[shape];
      return [path.join(ROOT, 'build/dbn_bench'), '--model', modelDir, '--lengths', w.lengths.join(','),
        '--threads', String(threads), '--warmup', String(sched.warmup), '--iterations', String(sched.iters),
        '--workload', workload, '--owner-thread', '1'];
    }
    default: throw new Error(system);
  }
}

function normalize(system, workload, shape, r) {
  const w = wlAll.shapes[shape];
  const base = { system, workload, shape, peak_rss_mb: r.rssMb, child_wall_s: r.wallS };
  if (r.error) return { ...base, error: r.error };
  if (r.json.skipped) return { ...base, skipped: r.json.skipped };
  const j = r.json;
  if (system === 'dbn_bench') {
    const flops = usefulFlops(cfg, w.lengths, workload, w.batch);
    const real = w.lengths.reduce((x, y) => x + y, 0);
    return { ...base, batch: w.batch, real_tokens: real, computed_tokens: real, load_ms: j.load_ms,
      p50_ms: j.p50_ms, p99_ms: j.p99_ms, iters: j.iterations, seq_per_s: j.seq_per_s, useful_gflop: flops / 1e9,
      gflops: flops / (j.p50_ms * 1e6), threads: j.threads, note: 'native binary: the engine alone on random ids, no tokenizer or decoding' };
  }
  return { ...base, ...j, system };
}

// ---------------------------------------------------------------- run
const started = new Date();
const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
const envKeys = ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'MKL_NUM_THREADS', 'MALLOC_ARENA_MAX'];
const machine = {
  date: started.toISOString(), cpu: cpuModel, cores: os.availableParallelism(), threads, node: process.version,
  loadavg_start: os.loadavg(), env: Object.fromEntries(envKeys.map((k) => [k, process.env[k] ?? null])),
};
console.error(`bench: ${quick ? 'QUICK smoke run (timings meaningless)' : 'full run'}; ${threads} threads; ${cpuModel}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.error(`bench: OPENBLAS_CORETYPE=${machine.env.OPENBLAS_CORETYPE ?? '(unset)'} (inherited, left as is)`);
const sgemmBefore = sgemmSet();
for (const p of sgemmBefore) console.error(`bench: sgemm ${p.openblas_corename ?? p.OPENBLAS_CORETYPE}: numpy ${p.numpy_gflops?.toFixed(0)} GFLOP/s, torch ${p.torch_gflops?.toFixed(0)} GFLOP/s${p.error ? ' ' + p.error : ''}`);

const samples = [];
let caseIndex = 0;
for (let round = 0; round < rounds; round++) {
  for (const workload of workloads) {
    for (const shape of shapes) {
      const sched = SCHEDULE[shape] ?? SCHEDULE.default;
      const order = systems.map((_, i) => systems[(i + caseIndex) % systems.length]);
      caseIndex++;
      for (const system of order) {
        const argv = childArgs(system, workload, shape, sched);
        if (!argv) continue;
        const row = { ...normalize(system, workload, shape, runChild(argv)), round };
        samples.push(row);
        const what = row.error ? `ERROR ${row.error}` : row.skipped ? `skipped: ${row.skipped}`
          : `p50 ${row.p50_ms.toFixed(1)} ms, ${row.seq_per_s.toFixed(1)} seq/s, ${row.gflops.toFixed(1)} GFLOP/s, n=${row.iters}, load ${row.load_ms.toFixed(0)} ms, RSS ${row.peak_rss_mb?.toFixed(0)} MB`;
        console.error(`bench: ${rounds > 1 ? `round ${round + 1}/${rounds} ` : ''}${workload} ${shape} ${system}: ${what}`);
      }
    }
  }
}
// One row per case: the median round by p50 (its load time and RSS with it), the worst p99.
const results = [];
for (const key of new Set(samples.map((r) => `${r.workload}|${r.shape}|${r.system}`))) {
  const rows = samples.filter((r) => `${r.workload}|${r.shape}|${r.system}` === key);
  const ok = rows.filter((r) => r.p50_ms !== undefined).sort((x, y) => x.p50_ms - y.p50_ms);
  if (!ok.length) { results.push(rows[0]); continue; }
  const mid = ok[Math.floor((ok.length - 1) / 2)];
  results.push({ ...mid, p99_ms: Math.max(...ok.map((r) => r.p99_ms)), iters: ok.reduce((n, r) => n + r.iters, 0),
    rounds: ok.length, round_p50_ms: ok.map((r) => r.p50_ms), peak_rss_mb: Math.max(...ok.map((r) => r.peak_rss_mb ?? 0)) || undefined });
}
const sgemmAfter = quick ? [] : [sgemmProbe(null), ...(sgemmBefore.length > 2 ? [sgemmProbe('SkylakeX')] : [])];
machine.loadavg_end = os.loadavg();
machine.elapsed_s = (Date.now() - started.getTime()) / 1000;
const allProbes = [...sgemmBefore, ...sgemmAfter];
const peak = Math.max(...allProbes.flatMap((p) => [p.numpy_gflops ?? 0, p.torch_gflops ?? 0]));
const inherited = [...sgemmBefore.slice(0, 1), ...sgemmAfter.slice(0, 1)];
const peakInherited = Math.max(...inherited.flatMap((p) => [p.numpy_gflops ?? 0, p.torch_gflops ?? 0]));
for (const r of results) if (r.gflops) r.share_of_peak = r.gflops / peak;

// ---------------------------------------------------------------- report
const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const lines = [];
lines.push(`Side-by-side, ${machine.date.slice(0, 10)}: ${cpuModel}, ${machine.cores} cores, ${threads} threads per system, fp32` +
  (rounds > 1 ? `, ${rounds} interleaved rounds per case (p50 = median of the rounds' p50s, p99 = the worst, n = all timed calls, RSS = the largest).` : '.') + (quick ? ' **QUICK SMOKE RUN: 1–2 iterations, no warm-up; timings are meaningless.**' : ''));
lines.push(`sgemm peak ${fmt(peak, 0)} GFLOP/s (best of numpy/torch ${quick ? '' : 'before and after; '}OpenBLAS probes: ` +
  allProbes.map((p) => `${p.openblas_corename ?? p.OPENBLAS_CORETYPE ?? '?'} ${fmt(Math.max(p.numpy_gflops ?? 0, p.torch_gflops ?? 0), 0)}`).join(', ') +
  `); inherited OPENBLAS_CORETYPE=${machine.env.OPENBLAS_CORETYPE ?? '(unset)'}, whose kernels reach ${fmt(peakInherited, 0)}. ` +
  `Load average ${machine.loadavg_start.map((x) => x.toFixed(2)).join('/')} at start, ${machine.loadavg_end.map((x) => x.toFixed(2)).join('/')} at end.`);
lines.push('');
lines.push('| workload | shape | system | seq/s | p50 ms | p99 ms | n | GFLOP/s | % peak | load ms | peak RSS MB |');
lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
// Run order alternates systems; the table lists them in one fixed order per case.
const rank = (r) => workloads.indexOf(r.workload) * 1e4 + shapes.indexOf(r.shape) * 100 + ALL_SYSTEMS.indexOf(r.system);
results.sort((x, y) => rank(x) - rank(y));
for (const r of results) {
  if (r.error || r.skipped) {
    lines.push(`| ${r.workload} | ${r.shape} | ${r.system} | ${r.error ? 'error' : 'skipped'}: ${(r.error ?? r.skipped).replace(/\|/g, '/').slice(0, 120)} |||||||||`);
    continue;
  }
  lines.push(`| ${r.workload} | ${r.shape} | ${r.system} | ${fmt(r.seq_per_s)} | ${fmt(r.p50_ms)} | ${fmt(r.p99_ms)} | ${r.iters} | ${fmt(r.gflops)} | ${fmt(100 * r.share_of_peak, 0)}% | ${fmt(r.load_ms, 0)} | ${fmt(r.peak_rss_mb, 0)} |`);
}
// Ratios of this package (public API, float32 and bfloat16) to each other system, per case,
// from this one run.
const API_DTYPE = { 'distilbert-native': 'float32', 'distilbert-native-bf16': 'bfloat16' };
const ratios = [];
const ours = results.filter((r) => r.system in API_DTYPE && r.seq_per_s);
for (const o of ours) {
  for (const r of results) {
    if (r.system in API_DTYPE || r.system === 'dbn_bench' || !r.seq_per_s || r.workload !== o.workload || r.shape !== o.shape) continue;
    ratios.push({ workload: o.workload, shape: o.shape, ours: API_DTYPE[o.system], versus: r.system, speed: o.seq_per_s / r.seq_per_s, rss: o.peak_rss_mb / r.peak_rss_mb, load: o.load_ms / r.load_ms });
  }
}
if (ratios.length) {
  lines.push('');
  lines.push('this package ÷ other, same run (speed: seq/s ratio, >1 is faster; RSS and load: <1 is smaller/faster):');
  lines.push('');
  lines.push('| workload | shape | ours | versus | speed | peak RSS | load time |');
  lines.push('|---|---|---|---|---:|---:|---:|');
  for (const r of ratios) lines.push(`| ${r.workload} | ${r.shape} | ${r.ours} | ${r.versus} | ${fmt(r.speed, 2)}× | ${fmt(r.rss, 2)}× | ${fmt(r.load, 2)}× |`);
}
const md = lines.join('\n');
console.log(md);
writeFileSync(outFile, JSON.stringify({ machine, quick, rounds, samples, sgemm: { peak_gflops: peak, inherited_peak_gflops: peakInherited, probes: allProbes }, schedule: SCHEDULE,
  workloads: Object.fromEntries(Object.entries(wlAll.shapes).map(([k, v]) => [k, { batch: v.batch, lengths: v.lengths }])), results, ratios, markdown: md }, null, 2) + '\n');
console.error(`bench: wrote ${path.relative(ROOT, outFile)} (${(machine.elapsed_s / 60).toFixed(1)} min)`);
rmSync(tmp, { recursive: true, force: true });
