/**
 * Dynamic micro-batching: concurrent calls on one model share native calls.
 *
 * Every call submits its token sequences; the queue packs sequences from many calls into one
 * batch up to a token budget counted the way the engine pays for it ({@link batchCost}). One
 * batch is in flight per model: the native model has a single owner thread, so a second batch
 * would only wait there, while here it can still grow. When a batch comes back the next one is
 * dispatched before the finished one is decoded, so JS decoding overlaps native work.
 *
 * When a batch goes (see {@link BatchingOptions.adaptiveWait}): at once when it is full; else
 * as soon as as many callers wait as the last batch had (once the code that called returns, in a
 * microtask, so calls made together share a batch), or, when fewer do, once they arrive or
 * a tenth of the last batch's run time has passed (at most {@link MAX_GATHER_MS}). A lone
 * caller awaiting call after call so pays no event-loop turn, and callers that come back at
 * slightly different times (HTTP clients, whose next request follows their last response over
 * a socket) still fill the batch they filled before instead of splitting into a small and a
 * large one.
 */
import { checkBoolean, checkInteger } from './checks';
import { DistilBertError, toDistilBertError } from './errors';
import type { ModelStats } from './stats';

export interface BatchingOptions {
  /**
   * Token budget of one native call, counted as the engine pays for it: real tokens (the
   * engine packs sequences without padding, see {@link batchCost}).
   * A single sequence above the budget still runs, alone. Default 16384.
   */
  maxBatchTokens?: number;
  /** Sequences per native call. Default 64. */
  maxBatchSize?: number;
  /**
   * A fixed wait: how long the first queued sequence waits for others before its batch is
   * dispatched although not full. Default 0: no fixed wait (see `adaptiveWait`).
   */
  maxWaitMs?: number;
  /**
   * With `maxWaitMs` 0: wait for as many callers as the last batch had, at most a tenth of its
   * run time (and {@link MAX_GATHER_MS}); a lone caller never waits. Default `true`. `false`:
   * dispatch on the next event-loop turn (setImmediate), whatever the last batch was.
   */
  adaptiveWait?: boolean;
  /**
   * Calls (not sequences) that may wait for dispatch; one more rejects `DBN_OVERLOADED`.
   * Default 4096.
   */
  maxQueue?: number;
}

/** Resolved batching options. */
export type BatchingConfig = Required<BatchingOptions>;

export const DEFAULT_BATCHING: BatchingConfig = {
  maxBatchTokens: 16384,
  maxBatchSize: 64,
  maxWaitMs: 0,
  adaptiveWait: true,
  maxQueue: 4096,
};

/** The longest an adaptive wait lasts, in ms. */
export const MAX_GATHER_MS = 20;

/**
 * What one native call costs, in tokens: the engine packs sequences back to back without
 * padding, so its dense layers (nearly all of the work and of the activation memory) pay the
 * sum of the lengths; only attention is per sequence (and, on CUDA, padded to the longest, a
 * small share of the cost at these lengths). This is the one place that knows.
 */
export function batchCost(sumLength: number): number {
  return sumLength;
}

/**
 * How to run one kind of request. Requests whose kinds have the same `key` may share a native
 * call, so the key must name everything besides the token ids that changes the result (the
 * native method, topK, targets, pooling, ...).
 */
export interface BatchKind<S> {
  readonly key: string;
  /** One native call over `lengths.length` sequences packed in `ids`; one result per sequence, in order. */
  run(ids: Int32Array, lengths: Int32Array): Promise<S[]>;
}

interface Call {
  readonly kind: BatchKind<unknown>;
  readonly results: unknown[];
  /** Sequences not yet returned. */
  remaining: number;
  settled: boolean;
  resolve(results: unknown[]): void;
  reject(error: Error): void;
  cleanup(): void;
  /** Where the caller called from: errors that surface later get this stack. */
  readonly site: { stack?: string };
}

interface Entry {
  readonly call: Call;
  readonly index: number;
  readonly ids: Int32Array;
}

type State = 'open' | 'closing' | 'closed';

/** Validates batching options (`DBN_INVALID_ARGUMENT`), filling in the defaults. */
export function batchingConfig(options: BatchingOptions = {}): BatchingConfig {
  return {
    maxBatchTokens: checkInteger(options.maxBatchTokens, 'options.maxBatchTokens', 1, undefined, DEFAULT_BATCHING.maxBatchTokens),
    maxBatchSize: checkInteger(options.maxBatchSize, 'options.maxBatchSize', 1, undefined, DEFAULT_BATCHING.maxBatchSize),
    maxWaitMs: checkInteger(options.maxWaitMs, 'options.maxWaitMs', 0, undefined, DEFAULT_BATCHING.maxWaitMs),
    adaptiveWait: checkBoolean(options.adaptiveWait, 'options.adaptiveWait', DEFAULT_BATCHING.adaptiveWait),
    maxQueue: checkInteger(options.maxQueue, 'options.maxQueue', 1, undefined, DEFAULT_BATCHING.maxQueue),
  };
}

/** An error for one caller: same code and message, the caller's stack. */
function forCaller(error: unknown, site: { stack?: string }): DistilBertError {
  const out = toDistilBertError(error);
  const frames = site.stack?.split('\n').slice(1).join('\n');
  const copy = new DistilBertError(out.code, out.message);
  if (frames) copy.stack = `${copy.name}: ${copy.message}\n${frames}`;
  return copy;
}

/** The per-model request queue. */
export class Batcher {
  readonly config: BatchingConfig;
  #queue: Entry[] = [];
  /** Calls with at least one sequence still queued (what `maxQueue` limits). */
  #queuedCalls = new Set<Call>();
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** A dispatch is queued as a microtask. */
  #soon = false;
  /** Callers the last batch served: the next one waits for as many (adaptive wait). */
  #expectCalls = 1;
  /** How long the last batch ran, ms: an adaptive wait lasts at most a tenth of it. */
  #lastRunMs = 0;
  #state: State = 'open';
  #batches = 0;
  #sequences = 0;
  #tokens = 0;
  #busyMs = 0;
  #running = 0;

  constructor(options: BatchingOptions = {}) {
    this.config = batchingConfig(options);
  }

  /** Native calls made so far (for tests and metrics). */
  get batches(): number {
    return this.#batches;
  }

  /** Sequences waiting for dispatch. */
  get queuedSequences(): number {
    return this.#queue.length;
  }

  /** Counters since creation, for metrics (see {@link ModelStats}). */
  stats(): ModelStats {
    return {
      queuedCalls: this.#queuedCalls.size,
      queuedSequences: this.#queue.length,
      runningSequences: this.#running,
      batches: this.#batches,
      sequences: this.#sequences,
      tokens: this.#tokens,
      busyMs: this.#busyMs,
    };
  }

  /**
   * Queues `sequences` (token ids, special tokens included) and resolves with one result per
   * sequence, in order. Rejects `DBN_OVERLOADED` when `maxQueue` calls already wait,
   * `DBN_ABORTED` when `signal` aborts first, `DBN_DISPOSED` after {@link close}.
   */
  submit<S>(kind: BatchKind<S>, sequences: readonly Int32Array[], signal?: AbortSignal): Promise<S[]> {
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, this.submit);
    if (this.#state !== 'open') {
      return Promise.reject(forCaller(new DistilBertError('DBN_DISPOSED', 'The model was disposed; load it again'), site));
    }
    if (signal?.aborted) return Promise.reject(forCaller(abortError(), site));
    if (sequences.length === 0) return Promise.resolve([]);
    if (this.#queuedCalls.size >= this.config.maxQueue) {
      return Promise.reject(
        forCaller(
          new DistilBertError(
            'DBN_OVERLOADED',
            `${this.#queuedCalls.size} calls are already waiting for this model (maxQueue ${this.config.maxQueue}); retry later, or raise maxQueue in loadModel options`,
          ),
          site,
        ),
      );
    }
    return new Promise<S[]>((resolve, reject) => {
      const onAbort = (): void => this.#fail(call, abortError());
      const call: Call = {
        kind: kind as BatchKind<unknown>,
        results: new Array(sequences.length),
        remaining: sequences.length,
        settled: false,
        resolve: resolve as (r: unknown[]) => void,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
        site,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Shortest first: a large call's batches then hold sequences of similar length, which is
      // what attention padded to the longest wants (the CUDA path). Results go back by index,
      // so order does not leak out.
      if (sequences.length === 1) {
        this.#queue.push({ call, index: 0, ids: sequences[0]! });
      } else {
        const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.length - sequences[b]!.length);
        for (const index of order) this.#queue.push({ call, index, ids: sequences[index]! });
      }
      this.#queuedCalls.add(call);
      this.#schedule();
    });
  }

  /**
   * Stops taking work: queued calls reject `DBN_DISPOSED`, and the returned promise settles
   * once the in-flight batch has completed (its callers get their results). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#clearTimer();
      const disposed = new DistilBertError('DBN_DISPOSED', 'The model was disposed before this call ran; load it again');
      for (const call of [...this.#queuedCalls]) this.#fail(call, disposed);
      this.#queue = [];
    }
    while (this.#inFlight) await this.#inFlight;
    this.#state = 'closed';
  }

  #clearTimer(): void {
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = null;
    }
  }

  /** Dispatches now when a full batch waits, else arms the dispatch (see the file's comment). */
  #schedule(): void {
    if (this.#inFlight || this.#queue.length === 0 || this.#state !== 'open') return;
    if (this.#isFull()) {
      this.#dispatch();
      return;
    }
    const { maxWaitMs, adaptiveWait } = this.config;
    if (maxWaitMs === 0 && adaptiveWait && this.#queuedCalls.size >= this.#expectCalls) {
      // As many callers as last time: go once the code that called has finished.
      this.#clearTimer();
      if (!this.#soon) {
        this.#soon = true;
        queueMicrotask(() => {
          this.#soon = false;
          this.#dispatch();
        });
      }
      return;
    }
    if (this.#timer || this.#soon) return;
    const fire = (): void => {
      this.#timer = null;
      this.#dispatch();
    };
    if (maxWaitMs > 0) this.#timer = setTimeout(fire, maxWaitMs);
    else if (adaptiveWait) this.#timer = setTimeout(fire, Math.min(MAX_GATHER_MS, this.#lastRunMs / 10));
    else this.#timer = setImmediate(fire);
  }

  /** Whether the next batch would be cut by the budget rather than by running out of queue. */
  #isFull(): boolean {
    // One sequence alone (one caller at a time, the usual case) fills only a batch of one.
    if (this.#queue.length === 1) return this.config.maxBatchSize === 1;
    const n = this.#take(false).length;
    return n === this.config.maxBatchSize || n < this.#countKey();
  }

  #countKey(): number {
    const key = this.#queue[0]?.call.kind.key;
    let n = 0;
    for (const e of this.#queue) if (e.call.kind.key === key) n++;
    return n;
  }

  /**
   * The next batch: the oldest entry's kind, then later entries of the same kind in queue order
   * while the batch stays within budget. Stops at the first that does not fit, so no entry is
   * overtaken twice by shorter ones.
   */
  #take(remove: boolean): Entry[] {
    const head = this.#queue[0];
    if (!head) return [];
    const key = head.call.kind.key;
    const { maxBatchSize, maxBatchTokens } = this.config;
    const picked: number[] = [];
    let sumLength = 0;
    for (let i = 0; i < this.#queue.length && picked.length < maxBatchSize; i++) {
      const e = this.#queue[i]!;
      if (e.call.kind.key !== key) continue;
      const len = e.ids.length;
      if (picked.length > 0 && batchCost(sumLength + len) > maxBatchTokens) break;
      picked.push(i);
      sumLength += len;
    }
    const entries = picked.map((i) => this.#queue[i]!);
    if (remove) {
      if (picked.length === this.#queue.length) {
        this.#queue = [];
      } else {
        const taken = new Set(picked);
        this.#queue = this.#queue.filter((_, i) => !taken.has(i));
      }
    }
    return entries;
  }

  #dispatch(): void {
    if (this.#inFlight || this.#state !== 'open') return;
    this.#clearTimer();
    const entries = this.#take(true);
    if (entries.length === 0) return;
    const calls = entries.length === 1 ? [entries[0]!.call] : [...new Set(entries.map((e) => e.call))];
    this.#refreshQueuedCalls(calls);
    this.#expectCalls = calls.length;
    const lengths = new Int32Array(entries.length);
    let total = 0;
    for (let i = 0; i < entries.length; i++) total += lengths[i] = entries[i]!.ids.length;
    // One sequence goes as it is (a view; the native call copies its input before returning).
    let ids = entries[0]!.ids;
    if (entries.length > 1) {
      ids = new Int32Array(total);
      let offset = 0;
      for (const e of entries) {
        ids.set(e.ids, offset);
        offset += e.ids.length;
      }
    }
    this.#batches++;
    this.#sequences += entries.length;
    this.#tokens += ids.length;
    this.#running = entries.length;
    const started = performance.now();
    const finished = () => {
      this.#lastRunMs = performance.now() - started;
      this.#busyMs += this.#lastRunMs;
      this.#running = 0;
    };
    let run: Promise<unknown[]>;
    try {
      run = entries[0]!.call.kind.run(ids, lengths);
    } catch (error) {
      run = Promise.reject(error);
    }
    this.#inFlight = run.then(
      (results) => {
        finished();
        this.#inFlight = null;
        // The next batch is scheduled before this one's results are handed out and decoded.
        this.#schedule();
        if (results.length !== entries.length) {
          const e = new Error(`a batch of ${entries.length} sequences returned ${results.length} results`);
          for (const entry of entries) this.#fail(entry.call, e);
          return;
        }
        entries.forEach((entry, i) => this.#deliver(entry, results[i]));
      },
      (error: unknown) => {
        finished();
        this.#inFlight = null;
        this.#schedule();
        for (const entry of entries) this.#fail(entry.call, error);
      },
    );
  }

  /** A call (of `calls`, those a batch just took from) leaves the queue count once its last sequence is dispatched. */
  #refreshQueuedCalls(calls: readonly Call[]): void {
    for (const call of calls) {
      if (this.#queue.length === 0 || !this.#queue.some((e) => e.call === call)) this.#queuedCalls.delete(call);
    }
  }

  #deliver(entry: Entry, result: unknown): void {
    const call = entry.call;
    if (call.settled) return;
    call.results[entry.index] = result;
    if (--call.remaining === 0) {
      call.settled = true;
      call.cleanup();
      call.resolve(call.results);
    }
  }

  /** Rejects a call and drops its sequences that were not dispatched yet. */
  #fail(call: Call, error: unknown): void {
    if (call.settled) return;
    call.settled = true;
    call.cleanup();
    if (this.#queuedCalls.delete(call)) this.#queue = this.#queue.filter((e) => e.call !== call);
    call.reject(forCaller(error, call.site));
  }
}

function abortError(): DistilBertError {
  return new DistilBertError('DBN_ABORTED', 'The call was aborted by its AbortSignal before it completed');
}
