/** The request queue alone: packing, budget, timing, one batch in flight, abort, overload, close. */
import { describe, expect, it } from 'vitest';
import { Batcher, batchCost, batchingConfig, type BatchKind } from '../../lib/model/batcher';
import { rejection } from '../helpers';

interface Recorded {
  key: string;
  lengths: number[];
  firstIds: number[];
}

/** A kind whose result for a sequence is the sum of its ids (so results can be checked per caller). */
function kindFor(key: string, log: Recorded[], opts: { delayMs?: number; fail?: () => Error | null } = {}): BatchKind<number> {
  let inFlight = 0;
  return {
    key,
    run: async (ids, lengths) => {
      inFlight++;
      if (inFlight > 1) throw new Error('two batches in flight');
      const seqs: number[][] = [];
      let o = 0;
      for (const len of lengths) {
        seqs.push(Array.from(ids.subarray(o, o + len)));
        o += len;
      }
      log.push({ key, lengths: Array.from(lengths), firstIds: seqs.map((s) => s[0]!) });
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2));
      inFlight--;
      const e = opts.fail?.();
      if (e) throw e;
      return seqs.map((s) => s.reduce((a, b) => a + b, 0));
    },
  };
}

/** A sequence of `len` tokens whose first id is `tag`. */
const seq = (tag: number, len: number): Int32Array => Int32Array.from({ length: len }, (_, i) => (i === 0 ? tag : 1));
const sumOf = (s: Int32Array): number => s.reduce((a, b) => a + b, 0);

describe('packing', () => {
  it('concurrent calls in one tick share one native call and each gets its own results', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log);
    const inputs = [[seq(10, 3)], [seq(20, 5), seq(21, 2)], [seq(30, 4)]];
    const results = await Promise.all(inputs.map((s) => b.submit(kind, s)));
    expect(log.length).toBe(1);
    expect(log[0]!.lengths.length).toBe(4);
    results.forEach((r, i) => expect(r).toEqual(inputs[i]!.map(sumOf)));
  });

  it('the cost is the real tokens (no padding), and the budget cuts batches by it', async () => {
    expect(batchCost(12)).toBe(12);
    const log: Recorded[] = [];
    const b = new Batcher({ maxBatchTokens: 40 });
    const kind = kindFor('k', log);
    // 30 + 5 + 5 = 40 fits (padded it would be 3 x 30 = 90); then 10,10,10,10 fit (40) and a
    // fifth 10 would make 50.
    const calls = [30, 5, 5, 10, 10, 10, 10, 10].map((len, i) => b.submit(kind, [seq(i + 100, len)]));
    const results = await Promise.all(calls);
    expect(log.map((r) => r.lengths)).toEqual([[30, 5, 5], [10, 10, 10, 10], [10]]);
    results.forEach((r, i) => expect(r).toEqual([sumOf(seq(i + 100, [30, 5, 5, 10, 10, 10, 10, 10][i]!))]));
  });

  it('a sequence longer than the budget still runs, alone', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxBatchTokens: 8 });
    const kind = kindFor('k', log);
    const [big, small] = await Promise.all([b.submit(kind, [seq(5, 20)]), b.submit(kind, [seq(6, 3)])]);
    expect(big).toEqual([24]);
    expect(small).toEqual([8]);
    expect(log.map((r) => r.lengths)).toEqual([[20], [3]]);
  });

  it('maxBatchSize caps sequences per call', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxBatchSize: 3 });
    const kind = kindFor('k', log);
    const out = await b.submit(kind, Array.from({ length: 7 }, (_, i) => seq(i, 2)));
    expect(out).toEqual(Array.from({ length: 7 }, (_, i) => i + 1));
    expect(log.map((r) => r.lengths.length)).toEqual([3, 3, 1]);
  });

  it('a large call is cut into length-sorted batches; results come back in input order', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxBatchTokens: 64, maxBatchSize: 4 });
    const kind = kindFor('k', log);
    const lengths = [9, 2, 7, 3, 8, 1, 5, 4, 6, 10];
    const seqs = lengths.map((len, i) => seq(100 + i, len));
    const out = await b.submit(kind, seqs);
    expect(out).toEqual(seqs.map(sumOf));
    const flat = log.flatMap((r) => r.lengths);
    expect(flat).toEqual([...lengths].sort((a, c) => a - c));
  });

  it('requests of different kinds never share a call, and the oldest kind goes first', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const a = kindFor('a', log);
    const c = kindFor('c', log);
    const out = await Promise.all([
      b.submit(a, [seq(1, 2)]),
      b.submit(c, [seq(2, 2)]),
      b.submit(a, [seq(3, 2)]),
      b.submit(c, [seq(4, 2)]),
    ]);
    expect(out).toEqual([[2], [3], [4], [5]]);
    expect(log.map((r) => [r.key, r.firstIds])).toEqual([
      ['a', [1, 3]],
      ['c', [2, 4]],
    ]);
  });
});

describe('timing', () => {
  it('one batch in flight; calls arriving meanwhile form the next batch, dispatched when it returns', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log, { delayMs: 30 }); // run() throws if two overlap
    const first = b.submit(kind, [seq(1, 2)]);
    await new Promise((r) => setTimeout(r, 5)); // first batch is running now
    expect(log.length).toBe(1);
    const later = [b.submit(kind, [seq(2, 2)]), b.submit(kind, [seq(3, 2)])];
    await new Promise((r) => setTimeout(r, 5));
    expect(b.queuedSequences).toBe(2);
    expect(await first).toEqual([2]);
    expect(await Promise.all(later)).toEqual([[3], [4]]);
    expect(log.map((r) => r.firstIds)).toEqual([[1], [2, 3]]);
  });

  it('maxWaitMs lets a batch wait for later calls; a full batch goes at once', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxWaitMs: 40, maxBatchSize: 4 });
    const kind = kindFor('k', log);
    const t0 = performance.now();
    const p1 = b.submit(kind, [seq(1, 2)]);
    await new Promise((r) => setTimeout(r, 10));
    expect(log.length).toBe(0);
    const p2 = b.submit(kind, [seq(2, 2)]);
    expect(await Promise.all([p1, p2])).toEqual([[2], [3]]);
    expect(log.map((r) => r.firstIds)).toEqual([[1, 2]]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);

    const slow = new Batcher({ maxWaitMs: 60_000, maxBatchSize: 3 });
    const t1 = performance.now();
    const full = await slow.submit(kind, [seq(1, 1), seq(2, 1), seq(3, 1)]);
    expect(full).toEqual([1, 2, 3]);
    expect(performance.now() - t1).toBeLessThan(1000);
  });
});

describe('when a batch that is not full goes', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('a lone caller\'s call goes once the calling code returns, with no event-loop turn; calls made together still share it', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log);
    const p = b.submit(kind, [seq(1, 2)]);
    await null; // the dispatch was queued as a microtask before this continuation
    expect(log.length).toBe(1);
    expect(await p).toEqual([2]);
    // Submitted in one synchronous run: one batch.
    const together = [2, 3, 4].map((i) => b.submit(kind, [seq(i, 2)]));
    await tick();
    expect(await Promise.all(together)).toEqual([[3], [4], [5]]);
    expect(log.map((r) => r.firstIds)).toEqual([[1], [2, 3, 4]]);
  });

  it('after a batch of N callers the next batch waits for N, who may come back at different times', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log, { delayMs: 200 }); // the wait may last 20 ms
    await Promise.all([1, 2, 3, 4].map((i) => b.submit(kind, [seq(i, 2)])));
    // Four callers again, 2 ms apart (as HTTP clients whose next request follows a response).
    const again: Promise<number[]>[] = [];
    for (const i of [5, 6, 7, 8]) {
      again.push(b.submit(kind, [seq(i, 2)]));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(again);
    expect(log.map((r) => r.firstIds)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('fewer callers than last time wait at most a tenth of the last batch\'s run, and the next batch expects as many as came', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log, { delayMs: 200 });
    await Promise.all([1, 2, 3].map((i) => b.submit(kind, [seq(i, 2)])));
    const t0 = performance.now();
    const one = b.submit(kind, [seq(9, 2)]);
    await new Promise((r) => setTimeout(r, 5));
    expect(log.length).toBe(1); // waiting for the other two
    await one;
    // ~20 ms of wait (a tenth of 200 ms, the cap), then the 200 ms run; far from a second run.
    expect(performance.now() - t0).toBeLessThan(380);
    expect(log.map((r) => r.firstIds)).toEqual([[1, 2, 3], [9]]);
    // The last batch had one caller: the next lone call goes without waiting.
    const p = b.submit(kind, [seq(10, 2)]);
    await null;
    expect(log.length).toBe(3);
    await p;
  });

  it('adaptiveWait: false dispatches on the next event-loop turn whatever the last batch was', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ adaptiveWait: false });
    const kind = kindFor('k', log);
    const p = b.submit(kind, [seq(1, 2)]);
    await null;
    await null;
    expect(log.length).toBe(0);
    const q = b.submit(kind, [seq(2, 2)]); // same turn: shares the batch
    await tick();
    expect(log.length).toBe(1);
    expect(await Promise.all([p, q])).toEqual([[2], [3]]);
    expect(log.map((r) => r.firstIds)).toEqual([[1, 2]]);
  });
});

describe('abort, overload, failure, close', () => {
  it('an aborted call leaves the queue and rejects DBN_ABORTED; the rest of its batch is unaffected', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log);
    const ac = new AbortController();
    const kept = b.submit(kind, [seq(1, 2)]);
    const aborted = b.submit(kind, [seq(2, 2), seq(3, 2)], ac.signal);
    ac.abort();
    const e = await rejection(aborted);
    expect(e.code).toBe('DBN_ABORTED');
    expect(await kept).toEqual([2]);
    expect(log.flatMap((r) => r.firstIds)).toEqual([1]);

    const pre = new AbortController();
    pre.abort();
    expect((await rejection(b.submit(kind, [seq(4, 2)], pre.signal))).code).toBe('DBN_ABORTED');
  });

  it('aborting a call whose batch is running rejects it at once', async () => {
    const log: Recorded[] = [];
    const b = new Batcher();
    const kind = kindFor('k', log, { delayMs: 200 });
    const ac = new AbortController();
    const running = b.submit(kind, [seq(1, 2)], ac.signal);
    const other = b.submit(kind, [seq(2, 2)]);
    await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    ac.abort();
    expect((await rejection(running)).code).toBe('DBN_ABORTED');
    expect(performance.now() - t0).toBeLessThan(150);
    expect(await other).toEqual([3]);
  });

  it('over maxQueue waiting calls rejects DBN_OVERLOADED; the queued calls still complete', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxQueue: 3 });
    const kind = kindFor('k', log);
    const ok = [1, 2, 3].map((i) => b.submit(kind, [seq(i, 2)]));
    const e = await rejection(b.submit(kind, [seq(9, 2)]));
    expect(e.code).toBe('DBN_OVERLOADED');
    expect(e.message).toMatch(/maxQueue 3/);
    expect(await Promise.all(ok)).toEqual([[2], [3], [4]]);
    // Dispatched calls no longer count.
    expect(await b.submit(kind, [seq(5, 2)])).toEqual([6]);
  });

  it('a native failure rejects every call of that batch with its code and the caller stack; the next batch runs', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxBatchSize: 2 });
    let fail = true;
    const kind = kindFor('k', log, {
      fail: () => {
        if (!fail) return null;
        fail = false;
        return Object.assign(new Error('out of memory'), { code: 'DBN_OUT_OF_MEMORY' });
      },
    });
    const [a, c, d] = [b.submit(kind, [seq(1, 2)]), b.submit(kind, [seq(2, 2)]), b.submit(kind, [seq(3, 2)])];
    const ea = await rejection(a);
    const ec = await rejection(c);
    expect([ea.code, ec.code]).toEqual(['DBN_OUT_OF_MEMORY', 'DBN_OUT_OF_MEMORY']);
    expect(ea).not.toBe(ec);
    expect(ea.stack).toMatch(/batcher\.test\.ts/);
    expect(await d).toEqual([4]);
  });

  it('close rejects queued calls DBN_DISPOSED, lets the running batch finish, and is idempotent', async () => {
    const log: Recorded[] = [];
    const b = new Batcher({ maxBatchSize: 1 });
    const kind = kindFor('k', log, { delayMs: 30 });
    const running = b.submit(kind, [seq(1, 2)]);
    await new Promise((r) => setTimeout(r, 5));
    const queued = b.submit(kind, [seq(2, 2)]);
    const closing = Promise.all([b.close(), b.close()]);
    expect((await rejection(queued)).code).toBe('DBN_DISPOSED');
    expect(await running).toEqual([2]);
    await closing;
    expect(log.length).toBe(1);
    expect((await rejection(b.submit(kind, [seq(3, 2)]))).code).toBe('DBN_DISPOSED');
    await b.close();
  });

  it('options are validated with the one sentence shape', () => {
    for (const bad of [{ maxBatchTokens: 0 }, { maxBatchSize: 1.5 }, { maxWaitMs: -1 }, { maxQueue: Number.NaN }]) {
      expect(() => batchingConfig(bad)).toThrow(/^Expected an integer from \d+ to \d+ .*for options\.\w+ but received/);
    }
    expect(batchingConfig({ maxWaitMs: 0 }).maxWaitMs).toBe(0);
    expect(() => batchingConfig({ adaptiveWait: 'no' as unknown as boolean })).toThrow(/options\.adaptiveWait/);
    expect(batchingConfig({}).adaptiveWait).toBe(true);
  });
});

describe('stats()', () => {
  it('counts queued calls, batches, sequences, real tokens and busy time', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const kind: BatchKind<number> = {
      key: 'stats',
      run: async (_ids, lengths) => {
        await gate;
        await new Promise((r) => setTimeout(r, 20));
        return Array.from(lengths);
      },
    };
    const b = new Batcher({ maxBatchSize: 2 });
    expect(b.stats()).toEqual({ queuedCalls: 0, queuedSequences: 0, runningSequences: 0, batches: 0, sequences: 0, tokens: 0, busyMs: 0 });
    const seq = (n: number) => new Int32Array(n).fill(7);
    const first = b.submit(kind, [seq(3), seq(4)]);
    const second = b.submit(kind, [seq(5)]);
    await new Promise((r) => setImmediate(r));
    let s = b.stats();
    expect(s.batches).toBe(1);
    expect(s.runningSequences).toBe(2);
    expect(s.queuedCalls).toBe(1);
    expect(s.queuedSequences).toBe(1);
    release();
    expect(await first).toEqual([3, 4]);
    expect(await second).toEqual([5]);
    s = b.stats();
    expect(s).toMatchObject({ queuedCalls: 0, queuedSequences: 0, runningSequences: 0, batches: 2, sequences: 3, tokens: 12 });
    expect(s.busyMs).toBeGreaterThanOrEqual(30);
    await b.close();
  });
});
