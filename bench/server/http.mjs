// HTTP vs in-process: /score and /v1/embeddings at concurrency 1/16/64/256 (autocannon, loopback)
// against the same calls through the in-process API, in one run. Prints a markdown table.
//   node bench/server/http.mjs [--models tiny,base] [--seconds 5] [--rounds 3]
//        [--concurrency 1,16,64,256] [--routes /score,/v1/embeddings] [--threads N]
//        [--batch-wait adaptive,turn]  (serve's --batch-wait; each value its own rows)
// Per cell, the server (a child process) and an in-process model are both loaded and warmed,
// then --rounds slices of --seconds each alternate HTTP, in-process, HTTP, ... so that the
// machine's drift hits both sides alike; the table gives the median over the rounds and the
// ratio of those medians, and each side's model busy share and ms per sequence (from /metrics
// and model.stats(): busy = the time a batch was in flight), which split a gap into time the
// model sat idle and slower forwards.
// --threads: intra-op threads for both sides (default: libtorch's, all cores; on a shared machine
// pass 1, as OpenMP spinning on oversubscribed cores is 100x slower).
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { median } from '../common.mjs';
import { ROOT, fixtureDir, startServer } from './common.mjs';

const require = createRequire(import.meta.url);
const { loadModel } = require(`${ROOT}/dist/index.js`);
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'tiny,base' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16,64,256' },
    routes: { type: 'string' },
    threads: { type: 'string' },
    'batch-wait': { type: 'string', default: 'adaptive' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error('--seconds must be > 0 and --rounds a positive integer');
const threads = values.threads === undefined ? undefined : Number(values.threads);
const levels = values.concurrency.split(',').map(Number);
const TEXT = 'Paris is the [MASK] of France, and this sentence has a few more words.';
const routes = {
  '/score': { body: { inputs: { input_string: [TEXT] } }, api: (m) => m.fillMask([TEXT], { topK: 1 }) },
  '/v1/embeddings': { body: { input: TEXT, model: 'm' }, api: (m) => m.embed([TEXT]) },
};

function pct(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]; }

/** CPU ms used so far by a process (`tid` undefined) or one of its threads (the JS thread: tid = pid). */
function cpuMs(pid, tid) {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
}
const cpuOf = (pid) => ({ js: cpuMs(pid, pid), all: cpuMs(pid) });

/** Busy ms and sequences run so far: the share of a slice the model worked, and ms per sequence. */
function usage(before, after, ms) {
  const busy = after.busyMs - before.busyMs;
  const seqs = after.sequences - before.sequences;
  return { busy: busy / ms, msPerSeq: seqs ? busy / seqs : NaN };
}

async function inProcess(model, fn, c, secs) {
  const lat = [];
  const s0 = model.stats();
  const c0 = cpuOf(process.pid);
  const t0 = performance.now();
  const end = t0 + secs * 1000;
  await Promise.all(Array.from({ length: c }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await fn(model);
      lat.push(performance.now() - t);
    }
  }));
  const ms = performance.now() - t0;
  const c1 = cpuOf(process.pid);
  lat.sort((a, b) => a - b);
  return { rps: lat.length / (ms / 1000), p50: pct(lat, 50), p99: pct(lat, 99), ...usage(s0, model.stats(), ms),
    jsCpu: (c1.js - c0.js) / lat.length, allCpu: (c1.all - c0.all) / lat.length };
}

async function serverStats(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return { busyMs: read('dbn_busy_seconds_total') * 1000, sequences: read('dbn_sequences_total') };
}

async function http(url, pid, route, body, c, secs) {
  const s0 = await serverStats(url);
  const c0 = cpuOf(pid);
  const t0 = performance.now();
  const r = await new Promise((resolve, reject) => {
    autocannon({ url: url + route, method: 'POST', connections: c, duration: secs, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, (err, res) => {
      if (err) return reject(err);
      if (res.non2xx || res.errors) return reject(new Error(`non-2xx ${res.non2xx}, errors ${res.errors}`));
      resolve(res);
    });
  });
  const ms = performance.now() - t0;
  const c1 = cpuOf(pid);
  const n = r.requests.total;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, ...usage(s0, await serverStats(url), ms),
    jsCpu: (c1.js - c0.js) / n, allCpu: (c1.all - c0.all) / n };
}

console.log(`${rounds} interleaved rounds of ${seconds} s per side and cell (HTTP first); medians over the rounds. busy = share of the time a batch was in flight, ms/seq = busy time per sequence. CPU ms per request: the server process's JS thread / all its threads (HTTP), this process's JS thread / all threads (in-process; no load generator runs then). JS extra = (HTTP JS-thread CPU - in-process JS-thread CPU) / in-process CPU, per request: the CPU the HTTP layer adds, whatever the cores the load generator shares.`);
console.log('');
console.log(`| model | route | batch wait | conc | HTTP req/s | HTTP p50 ms | HTTP p99 ms | HTTP busy | HTTP ms/seq | in-proc calls/s | in-proc p50 ms | in-proc p99 ms | in-proc busy | in-proc ms/seq | HTTP / in-proc | round ratios | HTTP CPU ms/req (JS / all) | in-proc CPU ms/call (JS / all) | JS extra |`);
console.log(`|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|`);
for (const size of values.models.split(',')) {
  const dir = await fixtureDir(`bench-${size}-mlm`, ['--seed', '3', '--size', size]);
  for (const [route, spec] of Object.entries(routes).filter(([r]) => !values.routes || values.routes.split(',').includes(r))) {
    for (const c of levels) for (const wait of values['batch-wait'].split(',')) {
      const server = await startServer(dir, [...(threads === undefined ? [] : ['--threads', String(threads)]), '--batch-wait', wait]);
      const model = await loadModel(dir, threads === undefined ? {} : { threads });
      try {
        const warm = Math.min(2, seconds);
        await http(server.url, server.pid, route, spec.body, Math.min(c, 16), warm);
        await inProcess(model, spec.api, Math.min(c, 16), warm);
        const hs = [], ps = [];
        for (let r = 0; r < rounds; r++) {
          hs.push(await http(server.url, server.pid, route, spec.body, c, seconds));
          ps.push(await inProcess(model, spec.api, c, seconds));
        }
        const h = Object.fromEntries(Object.keys(hs[0]).map((k) => [k, median(hs.map((x) => x[k]))]));
        const p = Object.fromEntries(Object.keys(ps[0]).map((k) => [k, median(ps.map((x) => x[k]))]));
        const f = (x) => x.toFixed(1);
        const share = (x) => `${(x * 100).toFixed(0)}%`;
        const ratios = hs.map((x, i) => (x.rps / ps[i].rps).toFixed(2)).join(', ');
        console.log(`| ${size} | ${route} | ${wait} | ${c} | ${f(h.rps)} | ${f(h.p50)} | ${f(h.p99)} | ${share(h.busy)} | ${f(h.msPerSeq)} | ${f(p.rps)} | ${f(p.p50)} | ${f(p.p99)} | ${share(p.busy)} | ${f(p.msPerSeq)} | ${(h.rps / p.rps).toFixed(2)} | ${ratios} | ${h.jsCpu.toFixed(2)} / ${h.allCpu.toFixed(2)} | ${p.jsCpu.toFixed(2)} / ${p.allCpu.toFixed(2)} | ${share((h.jsCpu - p.jsCpu) / p.allCpu)} |`);
      } finally {
        await model.dispose();
        await server.stop();
      }
    }
  }
}
