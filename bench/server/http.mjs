// HTTP vs in-process: /score and /v1/embeddings at concurrency 1/16/64/256 (autocannon, loopback)
// against the same calls through the in-process API, in one run. Prints a markdown table.
//   node bench/server/http.mjs [--models tiny,base] [--seconds 5] [--concurrency 1,16,64,256] [--routes /score,/v1/embeddings] [--threads N]
// --threads: intra-op threads for both sides (default: libtorch's, all cores; on a shared machine
// pass 1, as OpenMP spinning on oversubscribed cores is 100x slower).
import autocannon from 'autocannon';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ROOT, fixtureDir, startServer } from './common.mjs';

const require = createRequire(import.meta.url);
const { loadModel } = require(`${ROOT}/dist/index.js`);
const { values } = parseArgs({ options: { models: { type: 'string', default: 'tiny,base' }, seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '1,16,64,256' }, routes: { type: 'string' }, threads: { type: 'string' } } });
const seconds = Number(values.seconds);
const threads = values.threads === undefined ? undefined : Number(values.threads);
const levels = values.concurrency.split(',').map(Number);
const TEXT = 'Paris is the [MASK] of France, and this sentence has a few more words.';
const routes = {
  '/score': { body: { inputs: { input_string: [TEXT] } }, api: (m) => m.fillMask([TEXT], { topK: 1 }) },
  '/v1/embeddings': { body: { input: TEXT, model: 'm' }, api: (m) => m.embed([TEXT]) },
};

function pct(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]; }

async function inProcess(model, fn, c) {
  const lat = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: c }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await fn(model);
      lat.push(performance.now() - t);
    }
  }));
  lat.sort((a, b) => a - b);
  return { rps: lat.length / seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
}

function http(url, body, c) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', connections: c, duration: seconds, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, (err, r) => {
      if (err) return reject(err);
      if (r.non2xx || r.errors) return reject(new Error(`non-2xx ${r.non2xx}, errors ${r.errors}`));
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
    });
  });
}

console.log(`| model | route | conc | HTTP req/s | HTTP p50 ms | HTTP p99 ms | in-proc calls/s | in-proc p50 ms | in-proc p99 ms | HTTP / in-proc |`);
console.log(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
for (const size of values.models.split(',')) {
  const dir = await fixtureDir(`bench-${size}-mlm`, ['--seed', '3', '--size', size]);
  for (const [route, spec] of Object.entries(routes).filter(([r]) => !values.routes || values.routes.split(',').includes(r))) {
    for (const c of levels) {
      const server = await startServer(dir, threads === undefined ? [] : ['--threads', String(threads)]);
      await http(server.url + route, spec.body, Math.min(c, 16)); // warm-up
      const h = await http(server.url + route, spec.body, c);
      await server.stop();
      const model = await loadModel(dir, threads === undefined ? {} : { threads });
      await inProcess(model, spec.api, Math.min(c, 16));
      const p = await inProcess(model, spec.api, c);
      await model.dispose();
      const f = (x) => x.toFixed(1);
      console.log(`| ${size} | ${route} | ${c} | ${f(h.rps)} | ${f(h.p50)} | ${f(h.p99)} | ${f(p.rps)} | ${f(p.p50)} | ${f(p.p99)} | ${(h.rps / p.rps).toFixed(2)} |`);
    }
  }
}
