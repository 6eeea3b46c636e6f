/** Overload (429 + Retry-After), the per-request timeout (504), closing, and SIGTERM with requests in flight. */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, fixture } from '../helpers';
import { post, serve } from './serverHelpers';

const many = (n: number) => Array.from({ length: n }, (_, i) => `sentence ${i} is a [MASK] one with some more words in it.`);

describe('overload and timeout', () => {
  it('a full queue answers 429 with Retry-After; the rest are correct', async () => {
    const s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']), {}, { maxQueue: 1 });
    try {
      const texts = many(8);
      const rs = await Promise.all(Array.from({ length: 40 }, () => post(`${s.url}/score`, { inputs: { input_string: texts } })));
      const expected = (await s.model.fillMask(texts, { topK: 1 })).map((m) => ({ '0': m[0]![0]!.token_str }));
      const limited = rs.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      for (const r of limited) {
        expect(r.headers.get('retry-after')).toBe('1');
        expect(r.json.error.code).toBe('DBN_OVERLOADED');
      }
      for (const r of rs.filter((x) => x.status !== 429)) {
        expect(r.status).toBe(200);
        expect(r.json).toEqual(expected);
      }
    } finally {
      await s.close();
    }
  });
  it('the per-request timeout answers 504 DBN_ABORTED and the server goes on', async () => {
    const s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']), { timeoutMs: 1 });
    try {
      const rs = await Promise.all(Array.from({ length: 8 }, () => post(`${s.url}/score`, { inputs: { input_string: many(200) } })));
      const timedOut = rs.filter((r) => r.status === 504);
      expect(timedOut.length).toBeGreaterThan(0);
      for (const r of timedOut) expect(r.json.error.code).toBe('DBN_ABORTED');
      await new Promise((r) => setTimeout(r, 200));
      expect(s.model.stats().queuedCalls).toBe(0);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('closing', () => {
  it('a keep-alive connection busy at close gets its answer with Connection: close, then ends (so close() finishes)', async () => {
    const s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']));
    const port = Number(new URL(s.url).port);
    const body = JSON.stringify({ inputs: { input_string: many(200) } });
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (data += d));
    const ended = new Promise((resolve) => sock.on('close', () => resolve('closed')));
    try {
      sock.write(`POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      for (let i = 0; i < 400 && s.model.stats().queuedCalls + s.model.stats().runningSequences === 0; i++) await new Promise((r) => setTimeout(r, 2));
      const closed = s.server.app.close();
      // A request pipelined behind the busy one is not answered: the connection ends after the
      // answer in progress, which says so (a client retries it elsewhere, RFC 9112 section 9.3.2).
      sock.write('GET /info HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('close() still waiting'), 10_000))])).toBe('closed');
      expect(await Promise.race([ended, new Promise((r) => setTimeout(() => r('socket still open'), 5000))])).toBe('closed');
      const answers = data.split(/(?=HTTP\/1\.1 )/);
      expect(answers.map((a) => a.slice(0, 12))).toEqual(['HTTP/1.1 200']);
      expect(answers[0]).toMatch(/\r\nconnection: close\r\n/i);
    } finally {
      sock.destroy();
      await s.model.dispose();
    }
  });
});

describe('client disconnect', () => {
  it("cancels the client's queued work: its sequences never run", async () => {
    const s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']), {}, { maxBatchSize: 4 });
    try {
      const before = s.model.stats().sequences;
      const a = post(`${s.url}/score`, { inputs: { input_string: many(200) } });
      const controller = new AbortController();
      const b = fetch(`${s.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { input_string: many(200) } }), signal: controller.signal });
      for (let i = 0; i < 400 && s.model.stats().queuedCalls < 2; i++) await new Promise((r) => setTimeout(r, 2));
      expect(s.model.stats().queuedCalls).toBe(2);
      controller.abort();
      await expect(b).rejects.toThrow();
      expect((await a).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      const stats = s.model.stats();
      expect(stats.queuedCalls).toBe(0);
      // A's 200 ran; of B's 200 at most the batches already running when it left did.
      expect(stats.sequences - before).toBeLessThan(300);
    } finally {
      await s.close();
    }
  });
});

describe('SIGTERM', () => {
  it('with requests in flight: all answered, /ready never lies, exit 0', async () => {
    const dir = fixture('tiny-mlm-s1', ['--seed', '1']);
    // One intra-op thread: libtorch's default (every core) spins OpenMP threads that make each
    // call ~100x slower when the 2 cores are shared (CI, parallel test files), and the drain
    // must fit in the grace period on a loaded machine too.
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'serve', '--model', dir, '--port', '0', '--grace-ms', '60000', '--threads', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no address in 60 s: ${stderr}`)), 60_000);
      child.stderr!.on('data', (d) => {
        stderr += d;
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) { clearTimeout(t); resolve(m[1]!); }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const texts = many(256);
      const inflight = Array.from({ length: 24 }, () => post(`${url}/score`, { inputs: { input_string: texts } }));
      // SIGTERM once the server has received all 24 ("accepted"): a request still in the
      // socket buffer when the server closes may be reset, as with any HTTP server.
      for (let i = 0; i < 2000; i++) {
        const m = await (await fetch(`${url}/metrics`)).text();
        if (Number(/^dbn_http_requests_in_flight\{route="\/score"\} (\d+)$/m.exec(m)?.[1]) >= 24) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGTERM');
      const rs = await Promise.all(inflight);
      expect(rs.map((r) => r.status)).toEqual(rs.map(() => 200));
      for (const r of rs) expect(r.json).toEqual(rs[0]!.json);
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 70_000))]);
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/SIGTERM, draining/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('serve flags', () => {
  it('--batch-wait takes adaptive, turn or a wait in ms, and names them when it gets something else', () => {
    for (const bad of ['soon', '0', '-5', '1.5', '60001']) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'serve', '--model', 'x', '--batch-wait', bad], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--batch-wait must be adaptive, turn or a wait in ms from 1 to 60000, got "${bad}"`);
    }
  });
});
