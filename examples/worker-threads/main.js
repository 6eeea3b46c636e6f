#!/usr/bin/env node
// Usage: node examples/worker-threads/main.js MODEL_DIR TEXT...
// Loads MODEL_DIR in a Worker, asks it to fill the masks of each TEXT, prints one JSON line per
// TEXT, and closes the worker. DBN_PACKAGE overrides which copy of the package the worker loads
// (default: this repository's dist/, or the installed package when run from node_modules).
'use strict';
const path = require('node:path');
const { Worker } = require('node:worker_threads');

function packagePath() {
  if (process.env.DBN_PACKAGE) return process.env.DBN_PACKAGE;
  try {
    return require.resolve('distilbert-native');
  } catch {
    return path.join(__dirname, '..', '..', 'dist', 'index.js');
  }
}

async function main() {
  const [modelDir, ...texts] = process.argv.slice(2);
  if (!modelDir || texts.length === 0) {
    process.stderr.write('usage: node examples/worker-threads/main.js MODEL_DIR TEXT...\n');
    return 2;
  }
  const worker = new Worker(path.join(__dirname, 'worker.js'), {
    workerData: { packagePath: packagePath(), modelDir, threads: 1 },
  });
  const pending = new Map();
  let nextId = 0;
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (msg) => {
      if (msg.type === 'ready') resolve(msg.info);
      else if (msg.type === 'failed') reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
        else p.resolve(msg.result);
      }
    });
    worker.on('error', reject);
  });
  const ask = (batch) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, texts: batch, topK: 3 });
    });
  try {
    await ready;
    const result = await ask(texts);
    for (const r of result) process.stdout.write(JSON.stringify(r) + '\n');
    worker.postMessage({ type: 'close' });
    await new Promise((resolve) => worker.once('exit', resolve));
    return 0;
  } catch (e) {
    process.stderr.write(`error [${e.code ?? 'unknown'}]: ${e.message}\n`);
    await worker.terminate();
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
