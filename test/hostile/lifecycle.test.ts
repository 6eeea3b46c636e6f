/**
 * Process lifecycles (issue 10, items 1, 2 and 14). Each case runs in its own child process on
 * the compiled package (dist/index.js): an exit while native work runs must end with the exit
 * code asked for, never a signal, and a worker terminated mid-load must not corrupt the heap.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, fixture } from '../helpers';

interface Child { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

const DIST = JSON.stringify(path.join(ROOT, 'dist', 'index.js'));

function run(script: string, timeoutMs: number, onSpawn?: (p: ReturnType<typeof spawn>) => void): Promise<Child> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d) => { stdout += d; });
    p.stderr!.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr: stderr.slice(-2000) }); });
    onSpawn?.(p);
  });
}

function expectExit(c: Child, status: number): void {
  expect(c.signal, c.stderr).toBeNull();
  expect(c.status, c.stderr).toBe(status);
}

let dir: string;
beforeAll(() => { dir = fixture('tiny-mlm-s1', ['--seed', '1']); });

const busy = () => `const dbn = require(${DIST});
const m = await dbn.loadModel(${JSON.stringify(dir)});
const texts = Array.from({ length: 2000 }, (_, i) => 'word ' + i + ' [MASK] and more words here');
m.fillMask(texts).catch(() => {});`;

describe('exit while native work runs (item 1)', () => {
  it('process.exit(7) 20 ms into a 2,000-input fillMask exits 7', async () => {
    const c = await run(`(async () => { ${busy()} setTimeout(() => process.exit(7), 20); })();`, 60_000);
    expectExit(c, 7);
  }, 70_000);

  it('an uncaught exception at the same moment exits 1 with the error, not a signal', async () => {
    const c = await run(`(async () => { ${busy()} setTimeout(() => { throw new Error('boom'); }, 20); })();`, 60_000);
    expectExit(c, 1);
    expect(c.stderr).toMatch(/boom/);
  }, 70_000);

  it('a SIGTERM handler that calls process.exit(0) exits 0', async () => {
    const c = await run(`process.on('SIGTERM', () => process.exit(0));
(async () => { ${busy()} process.stdout.write('busy\\n'); })();`, 60_000, (p) => {
      p.stdout!.on('data', (d) => { if (String(d).includes('busy')) setTimeout(() => p.kill('SIGTERM'), 20); });
    });
    expectExit(c, 0);
  }, 70_000);

  it('process.exit inside a worker during loadModel ends only the worker (10 cycles)', async () => {
    const c = await run(`const { Worker } = require('node:worker_threads');
(async () => {
  for (let i = 0; i < 10; i++) {
    const w = new Worker(\`require(${DIST.replace(/\\/g, '\\\\')}).loadModel(${JSON.stringify(dir)}); setTimeout(() => process.exit(5), \${5 + i * 5});\`, { eval: true });
    const code = await new Promise((r) => w.on('exit', r));
    if (code !== 5) { console.error('worker exit code ' + code); process.exit(2); }
  }
  process.exit(0);
})();`, 90_000);
    expectExit(c, 0);
  }, 100_000);
});

describe('terminating a worker while loadModel runs (item 2)', () => {
  it('30 workers terminated 20-100 ms after coming online leave the process sound', async () => {
    const c = await run(`const { Worker } = require('node:worker_threads');
(async () => {
  for (let i = 0; i < 30; i++) {
    const w = new Worker(\`const dbn = require(${DIST.replace(/\\/g, '\\\\')});
(async () => { for (;;) { const m = await dbn.loadModel(${JSON.stringify(dir)}); await m.dispose(); } })();\`, { eval: true });
    await new Promise((r) => w.on('online', r));
    await new Promise((r) => setTimeout(r, 20 + (i * 37) % 81));
    await w.terminate();
  }
  // The heap must still be sound here: allocate and load once more in the main thread.
  const dbn = require(${DIST});
  const m = await dbn.loadModel(${JSON.stringify(dir)});
  await m.fillMask('a [MASK].');
  await m.dispose();
  process.exit(0);
})();`, 120_000);
    expectExit(c, 0);
  }, 130_000);
});
