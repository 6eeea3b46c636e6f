/** Shared test plumbing: fixtures made by tools/model/make-fixture.py, the float64 reference. */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { DistilBertError } from '../lib/index';

export const ROOT = path.resolve(__dirname, '..');
export const PYTHON = '/usr/bin/python3';
export const SHARED_DATA =
  process.env.DBN_SHARED_DATA ?? path.resolve(ROOT, '..', 'shared', 'data', 'distilbert-base-uncased');

/** Makes (or reuses, when its arguments are unchanged) a random checkpoint under fixtures/. */
export function fixture(name: string, args: string[] = []): string {
  requirePython();
  const dir = path.join(ROOT, 'fixtures', name);
  execFileSync(PYTHON, [path.join(ROOT, 'tools', 'model', 'make-fixture.py'), '--out', dir, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return dir;
}

/**
 * Exports the fixture to TorchScript (model.torchscript.pt) unless already there. `wrap`
 * nests the model under "inner." so its parameter names don't map (a custom architecture).
 */
export function torchscript(dir: string, wrap = false): string {
  const out = path.join(dir, 'model.torchscript.pt');
  if (!fs.existsSync(out)) {
    requirePython();
    const args = [path.join(ROOT, 'tools', 'model', 'export-torchscript.py'), '--model', dir, ...(wrap ? ['--wrap'] : [])];
    execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return out;
}

export interface ReferenceMask {
  position: number;
  top_ids: number[];
  top_probs: number[];
  target_probs?: number[];
}

/**
 * Runs tools/model/reference.py (NumPy float64, independent of libtorch) on one request;
 * `flags` are the script's (`--hidden`: last_hidden_state too, for any head).
 */
export function reference<T = { masks: ReferenceMask[][] }>(dir: string, request: object, flags: string[] = []): T {
  requirePython();
  const out = execFileSync(PYTHON, [path.join(ROOT, 'tools', 'model', 'reference.py'), '--model', dir, ...flags], {
    input: JSON.stringify(request),
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out.toString()) as T;
}

/** A copy of a fixture directory that a test may damage. */
export function scratchCopy(dir: string, name: string): string {
  const out = path.join(ROOT, 'fixtures', 'scratch', name);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.pt')) continue;
    fs.copyFileSync(path.join(dir, f), path.join(out, f));
  }
  return out;
}

// ---------------------------------------------------------------- fake binding (pure TS tests)

import type { NativeFillMaskResult, NativeModel, NativeModelConfig, NativeTokenizer } from '../lib/native';

/** One native call a fake model received. */
export interface FakeCall {
  method: 'fillMask' | 'classify' | 'tokenClassify' | 'answerQuestion' | 'embed' | 'hiddenStates';
  lengths: number[];
  sequences: number[][];
}

export interface FakeModelOptions {
  config?: Partial<NativeModelConfig>;
  /** Milliseconds each native call takes (a timer, so the event loop keeps turning). Default 1. */
  delayMs?: number;
  /** Logits of one token for tokenClassify; default: a hash of id and position. */
  tokenLogits?(id: number, position: number, sequence: number[]): number[];
  /** Start/end logits of one sequence for answerQuestion; default: a hash. */
  qaLogits?(sequence: number[]): { start: number[]; end: number[] };
  /** Logits of one sequence for classify; default: a hash. */
  classLogits?(sequence: number[]): number[];
  /** Makes the next native call reject with this code. */
  failNext?: { code: string } | null;
}

/** A deterministic stand-in for the native model: every output is a function of the ids alone. */
export type FakeModel = NativeModel & { calls: FakeCall[]; maxInFlight: number; options: FakeModelOptions };

const hash = (a: number, b: number): number => Math.sin(a * 12.9898 + b * 78.233) * 3;

/** A fake NativeModel around a real native tokenizer; inference is TS and deterministic. */
export function fakeNativeModel(tokenizer: NativeTokenizer, options: FakeModelOptions = {}): FakeModel {
  const config: NativeModelConfig = {
    architecture: 'DistilBertForMaskedLM',
    vocabSize: 30522,
    dim: 8,
    nLayers: 1,
    nHeads: 1,
    hiddenDim: 8,
    maxPositionEmbeddings: 512,
    id2label: [],
    ...options.config,
  };
  let inFlight = 0;
  let state: 'ready' | 'disposed' = 'ready';
  const calls: FakeCall[] = [];
  const split = (ids: Int32Array, lengths: Int32Array): number[][] => {
    const out: number[][] = [];
    let o = 0;
    for (const len of lengths) {
      out.push(Array.from(ids.subarray(o, o + len)));
      o += len;
    }
    return out;
  };
  async function call<T>(method: FakeCall['method'], ids: Int32Array, lengths: Int32Array, compute: (seqs: number[][]) => T): Promise<T> {
    if (state !== 'ready') throw Object.assign(new Error('the model was disposed'), { code: 'DBN_DISPOSED' });
    const sequences = split(ids, lengths);
    calls.push({ method, lengths: Array.from(lengths), sequences });
    inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      const fail = options.failNext;
      if (fail) {
        options.failNext = null;
        throw Object.assign(new Error('fake native failure'), fail);
      }
      return compute(sequences);
    } finally {
      inFlight--;
    }
  }
  const fake: FakeModel = {
    calls,
    maxInFlight: 0,
    options,
    tokenizer,
    get info() {
      return { config, device: 'cpu', dtype: 'float32' as const, engine: 'native' as const, format: 'safetensors' as const, weightsPath: '', parameterBytes: 0, threads: 1, state };
    },
    fillMask: (ids, lengths, topK) =>
      call('fillMask', ids, lengths, (seqs): NativeFillMaskResult => {
        const maskId = tokenizer.info.maskId; // as the addon: the model's own tokenizer's
        const rows: number[] = [];
        const positions: number[] = [];
        const tokenIds: number[] = [];
        const scores: number[] = [];
        seqs.forEach((seq, r) =>
          seq.forEach((id, p) => {
            if (id !== maskId) return;
            rows.push(r);
            positions.push(p);
            for (let j = 0; j < topK; j++) {
              tokenIds.push(2000 + ((seq.length * 31 + p * 7 + j) % 1000));
              scores.push(1 / (j + 2));
            }
          }),
        );
        return {
          k: topK,
          rows: Int32Array.from(rows),
          positions: Int32Array.from(positions),
          tokenIds: Int32Array.from(tokenIds),
          scores: Float32Array.from(scores),
        };
      }),
    classify: (ids, lengths) =>
      call('classify', ids, lengths, (seqs) =>
        Float32Array.from(
          seqs.flatMap((seq) =>
            options.classLogits
              ? options.classLogits(seq)
              : config.id2label.map((_, l) => hash(seq.reduce((a, b) => a + b, 0), l)),
          ),
        ),
      ),
    tokenClassify: (ids, lengths) =>
      call('tokenClassify', ids, lengths, (seqs) =>
        Float32Array.from(
          seqs.flatMap((seq) =>
            seq.flatMap((id, p) =>
              options.tokenLogits ? options.tokenLogits(id, p, seq) : config.id2label.map((_, l) => hash(id + p, l)),
            ),
          ),
        ),
      ),
    answerQuestion: (ids, lengths) =>
      call('answerQuestion', ids, lengths, (seqs) => {
        const parts = seqs.map((seq) =>
          options.qaLogits
            ? options.qaLogits(seq)
            : { start: seq.map((id, p) => hash(id, p)), end: seq.map((id, p) => hash(p, id)) },
        );
        return {
          start: Float32Array.from(parts.flatMap((x) => x.start)),
          end: Float32Array.from(parts.flatMap((x) => x.end)),
        };
      }),
    embed: (ids, lengths, pooling, normalize) =>
      call('embed', ids, lengths, (seqs) =>
        Float32Array.from(
          seqs.flatMap((seq) => {
            const v = Array.from({ length: config.dim }, (_, d) =>
              pooling === 'cls' ? hash(seq[0]!, d) : seq.reduce((a, id) => a + hash(id, d), 0) / seq.length,
            );
            const norm = normalize ? Math.hypot(...v) : 1;
            return v.map((x) => x / norm);
          }),
        ),
      ),
    // Token p of a sequence: a function of its id and position only, so batching cannot change it.
    hiddenStates: (ids, lengths) =>
      call('hiddenStates', ids, lengths, (seqs) =>
        Float32Array.from(seqs.flatMap((seq) => seq.flatMap((id, p) => Array.from({ length: config.dim }, (_, d) => hash(id + 0.5 * p, d))))),
      ),
    dispose: async () => {
      state = 'disposed';
    },
  };
  return fake;
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/** The DistilBertError `fn` throws (failing the test when it throws anything else, or nothing). */
export function thrown(fn: () => unknown): DistilBertError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DistilBertError);
    return e as DistilBertError;
  }
  throw new Error('expected a DistilBertError to be thrown');
}

/** Fails with a reason that says what is missing when /usr/bin/python3 (with torch and numpy) is not there. */
export function requirePython(): string {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`this test needs ${PYTHON} with torch, numpy and safetensors (tools/setup.sh installs them) ` +
      'to make its fixtures and run the float64 reference');
  }
  return PYTHON;
}

/**
 * Fails with a reason that says what is missing when the real vocabulary and golden vectors
 * (../shared/data/distilbert-base-uncased, or DBN_SHARED_DATA) are not there.
 */
export function requireSharedData(): string {
  if (!fs.existsSync(path.join(SHARED_DATA, 'tokenizer.json'))) {
    throw new Error(`this test needs the real distilbert-base-uncased vocabulary at ${SHARED_DATA} ` +
      '(the project\'s ../shared/data, or set DBN_SHARED_DATA)');
  }
  return SHARED_DATA;
}

/**
 * Runs `node -e script` with `env` added to this process's environment (60 s limit); resolves
 * with its exit code and stdout and stderr together.
 */
export function runNodeScript(script: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 60_000 });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}
