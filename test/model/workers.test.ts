/**
 * The addon is context-aware: it loads and runs in several worker_threads at once, and
 * terminating a worker mid-inference leaves the process (and other models) working.
 * Workers load the compiled package (dist/, built by `npm run build:ts`), as a user's would.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { native } from '../../lib/native';
import { ROOT, fixture } from '../helpers';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { loadModel } = require(workerData.dist);
(async () => {
  const model = await loadModel(workerData.dir, { threads: 1 });
  parentPort.postMessage({ ready: true });
  const out = await model.fillMask(workerData.texts, { topK: 3 });
  await model.dispose();
  parentPort.postMessage({ out });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

function startWorker(dir: string, texts: string[]): Worker {
  return new Worker(WORKER_SOURCE, { eval: true, workerData: { dist: path.join(ROOT, 'dist'), dir, texts } });
}

function result(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { out?: unknown; error?: string }) => {
      if (m.error) reject(new Error(m.error));
      else if (m.out) resolve(m.out);
    });
    worker.on('error', reject);
  });
}

let dir: string;
let model: Model;
beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  model = await loadModel(dir);
});
afterAll(() => model?.dispose());

describe('worker_threads', () => {
  it('three workers run fill-mask at once and agree with the main thread', async () => {
    const texts = ['Paris is the [MASK] of France.', 'Today is a [MASK] day!'];
    const workers = [0, 1, 2].map(() => startWorker(dir, texts));
    const outs = await Promise.all(workers.map(result));
    const expected = JSON.parse(JSON.stringify(await model.fillMask(texts, { topK: 3 })));
    for (const out of outs) expect(out).toEqual(expected);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  it('terminating a worker mid-inference does not crash the process', async () => {
    const big = Array.from({ length: 400 }, (_, i) => `${'long filler words '.repeat(30)} ${i} [MASK].`);
    // Varied delays land the termination in different places: tokenizing, inside a forward,
    // settling a promise.
    for (let round = 0; round < 8; round++) {
      const worker = startWorker(dir, big);
      await new Promise<void>((resolve) => worker.on('message', (m: { ready?: boolean }) => m.ready && resolve()));
      await new Promise((r) => setTimeout(r, (round * 17) % 120));
      expect(await worker.terminate()).toBe(1);
    }
    // The process and the main-thread model are fine afterwards.
    const [masks] = await model.fillMask(['still [MASK] here']);
    expect(masks![0]!.length).toBe(5);
  });
});

describe('native memory', () => {
  it('is reported to V8 while a model is loaded and released on dispose', async () => {
    const before = native().externalMemory();
    const m = await loadModel(dir);
    const bytes = m.info.parameterBytes;
    expect(bytes).toBeGreaterThan(1_000_000);
    const loaded = native().externalMemory();
    expect(loaded - before).toBeGreaterThanOrEqual(bytes * 0.9);
    await m.dispose();
    expect(loaded - native().externalMemory()).toBeGreaterThanOrEqual(bytes * 0.9);
  });
});
