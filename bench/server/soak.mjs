// Soak: N requests (default 100,000) at concurrency C (default 256) over mixed routes against a
// `serve` child; every response is compared with the same request sent alone beforehand;
// deliberate 4xx cases must keep their status; server RSS after warm-up vs at the end.
//   node bench/server/soak.mjs [--requests 100000] [--concurrency 256] [--threads N] [--size tiny]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { fixtureDir, startServer } from './common.mjs';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '256' }, threads: { type: 'string' }, size: { type: 'string', default: 'tiny' } } });
const total = Number(values.requests);
const conc = Number(values.concurrency);
const dir = await fixtureDir(`bench-${values.size}-mlm`, ['--seed', '3', '--size', values.size]);
const server = await startServer(dir, values.threads ? ['--threads', values.threads] : []);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;

const words = ['paris', 'capital', 'today', 'beautiful', 'model', 'river', 'stone', 'music', 'night', 'city'];
const sentence = (i) => Array.from({ length: 4 + (i % 12) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
const pool = [];
for (let i = 0; i < 40; i++) {
  const s = sentence(i);
  pool.push(['/score', { inputs: { input_string: [`${s} [MASK] ${s}`] } }]);
  pool.push(['/', { inputs: `${s} [MASK].`, parameters: { top_k: 3 } }]);
  pool.push(['/v1/embeddings', { input: [s, sentence(i + 1)], model: 'm' }]);
  pool.push(['/v1/fill-mask', { inputs: [`[MASK] ${s}`], options: { topK: 2 } }]);
  pool.push(['/v1/tokenize', { inputs: s }]);
}
// Deliberate 4xx: no mask, wrong route for the head, malformed JSON.
pool.push(['/score', { inputs: { input_string: ['no mask at all'] } }]);
pool.push(['/v1/qa', { inputs: { question: 'a', context: 'b' } }]);
pool.push(['/score', '{"inputs":']);

async function send([route, body]) {
  const r = await fetch(server.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return `${r.status} ${await r.text()}`;
}
const expected = [];
for (const req of pool) expected.push(await send(req));
const deliberate = expected.filter((e) => e.startsWith('4')).length;

// Warm-up: the first fifth of the requests. (It was the first 10,000: at 2,200 req/s that is
// 4.5 s, before V8's old space has grown to its working size; the RSS then rose 13% and fell
// back.) The RSS is sampled every tenth of the run, so the whole curve is printed.
const warmAt = Math.max(1, Math.floor(total / 5));
const every = Math.max(1, Math.floor(total / 10));
const curve = [];
let next = 0, done = 0, mismatches = 0, errors = 0, fourxx = 0, rssWarm = 0;
const started = performance.now();
const lat = [];
await Promise.all(Array.from({ length: conc }, async () => {
  while (next < total) {
    const i = next++;
    const k = (i * 2654435761) % pool.length;
    const t = performance.now();
    let got;
    try { got = await send(pool[k]); } catch (e) { errors++; continue; }
    lat.push(performance.now() - t);
    if (got !== expected[k]) mismatches++;
    if (got.startsWith('4')) fourxx++;
    else if (!got.startsWith('2')) errors++;
    if (++done === warmAt) rssWarm = rss();
    if (done % every === 0) {
      curve.push(rss());
      process.stderr.write(`${done} done, ${mismatches} mismatches, rss ${curve.at(-1).toFixed(0)} MiB\n`);
    }
  }
}));
const secs = (performance.now() - started) / 1000;
const rssEnd = rss();
lat.sort((a, b) => a - b);
await server.stop();
console.log(`| requests | concurrency | seconds | req/s | p50 ms | p99 ms | mismatches | errors (non-4xx) | deliberate 4xx | RSS after warm-up MiB | RSS end MiB | growth |`);
console.log(`|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
console.log(`| ${done} | ${conc} | ${secs.toFixed(1)} | ${(done / secs).toFixed(0)} | ${lat[Math.floor(lat.length / 2)].toFixed(1)} | ${lat[Math.floor(lat.length * 0.99)].toFixed(1)} | ${mismatches} | ${errors} | ${fourxx} (of ${deliberate} cases in a pool of ${pool.length}) | ${rssWarm.toFixed(1)} | ${rssEnd.toFixed(1)} | ${(((rssEnd - rssWarm) / rssWarm) * 100).toFixed(2)}% |`);
console.log('');
console.log(`Server RSS every ${every} requests, MiB: ${curve.map((x) => x.toFixed(0)).join(', ')} (warm-up ends at ${warmAt}).`);
process.exitCode = mismatches || errors ? 1 : 0;
