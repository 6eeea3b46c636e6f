/**
 * transformers.js itself (bench/'s dev-only @huggingface/transformers, installed with
 * `cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci`) on a random checkpoint exported to ONNX by
 * tools/model/export-onnx.py, against this package on the same checkpoint: fill-mask and
 * feature-extraction (default pooling 'none', and mean pooling), where transformers.js follows
 * HF. Skipped, saying so, when bench/ has no transformers.js.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type FillMaskCandidate } from '../../lib/index';
import { fixture, PYTHON } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const benchRequire = createRequire(path.join(ROOT, 'bench', 'package.json'));
let tjsEntry: string | undefined;
try {
  tjsEntry = benchRequire.resolve('@huggingface/transformers');
} catch {
  tjsEntry = undefined;
}
if (!tjsEntry) console.warn('transformers.js parity skipped: run `cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci` first');

interface TjsTensor {
  dims: number[];
  type: string;
  tolist(): unknown[];
}
type TjsPipe = (input: unknown, options?: object) => Promise<unknown>;

describe.skipIf(!tjsEntry)('transformers.js on the same checkpoint', () => {
  let dir: string;
  let tjs: { pipeline(task: string, model: string, options?: object): Promise<TjsPipe>; env: Record<string, unknown> };
  beforeAll(async () => {
    dir = fixture('tiny-mlm-s1', ['--seed', '1']);
    const onnx = path.join(ROOT, 'fixtures', 'tiny-mlm-s1-onnx');
    if (!fs.existsSync(path.join(onnx, 'onnx', 'model.onnx'))) {
      execFileSync(PYTHON, [path.join(ROOT, 'tools', 'model', 'export-onnx.py'), '--model', dir, '--out', onnx], { stdio: 'ignore' });
    }
    tjs = (await import(pathToFileURL(tjsEntry!).href)) as typeof tjs;
    tjs.env.localModelPath = path.join(ROOT, 'fixtures') + path.sep;
    tjs.env.allowRemoteModels = false;
  }, 120_000);

  it('fill-mask: the same fields, tokens, strings and scores', async () => {
    const theirs = await tjs.pipeline('fill-mask', 'tiny-mlm-s1-onnx', { dtype: 'fp32' });
    const ours = await pipeline('fill-mask', dir, { dtype: 'fp32', threads: 1 });
    try {
      for (const text of ['Hello [MASK] world.', 'The capital of France is [MASK].']) {
        const t = (await theirs(text, { top_k: 5 })) as FillMaskCandidate[];
        const o = (await ours(text, { top_k: 5 })) as FillMaskCandidate[];
        expect(o.map((c) => Object.keys(c).sort())).toEqual(t.map((c) => Object.keys(c).sort()));
        o.forEach((c, j) => {
          const u = t.find((x) => x.token === c.token);
          expect(u, `token ${c.token} in transformers.js's top 5`).toBeDefined();
          expect(Math.abs(c.score - u!.score)).toBeLessThan(1e-4);
          expect(c.token_str).toBe(u!.token_str);
          expect(c.sequence).toBe(u!.sequence);
          expect(Math.abs(c.score - t[j]!.score)).toBeLessThan(1e-4);
        });
      }
    } finally {
      await ours.dispose();
    }
  }, 60_000);

  it('feature-extraction, mean pooling (plain and normalized): the same Tensor dims, type and values', async () => {
    const theirs = await tjs.pipeline('feature-extraction', 'tiny-mlm-s1-onnx/encoder', { dtype: 'fp32' });
    const ours = await pipeline('feature-extraction', dir, { threads: 1 });
    try {
      const texts = ['Hello world.', 'A longer sentence, with a comma and more words.'];
      for (const normalize of [false, true]) {
        const t = (await theirs(texts, { pooling: 'mean', normalize })) as TjsTensor;
        const o = await ours(texts, { pooling: 'mean', normalize });
        expect(o.dims).toEqual(t.dims);
        expect(o.type).toBe(t.type);
        const tl = t.tolist() as number[][];
        (o.tolist() as number[][]).forEach((row, i) => row.forEach((x, d) => expect(Math.abs(x - tl[i]![d]!)).toBeLessThan(1e-4)));
      }
    } finally {
      await ours.dispose();
    }
  }, 60_000);

  it("feature-extraction, default pooling 'none' (plain and normalized): the same [batch, tokens, dim] Tensor, the same rows at every real token", async () => {
    const theirs = await tjs.pipeline('feature-extraction', 'tiny-mlm-s1-onnx/encoder', { dtype: 'fp32' });
    const ours = await pipeline('feature-extraction', dir, { threads: 1 });
    try {
      const texts = ['Hello world.', 'A longer sentence, with a comma and more words.'];
      const lengths = texts.map((t) => ours.model.tokenizer.encode(t).ids.length);
      expect(lengths[0]).toBeLessThan(lengths[1]!);
      for (const normalize of [false, true]) {
        for (const input of [texts[1]!, texts]) {
          const t = (await theirs(input, normalize ? { normalize } : undefined)) as TjsTensor;
          const o = await ours(input, normalize ? { normalize } : undefined);
          expect(o.dims).toEqual(t.dims);
          expect(o.type).toBe(t.type);
          const tl = t.tolist() as number[][][];
          const ol = o.tolist() as number[][][];
          // The same nesting: batch, then tokens (padded to the longest), then dim.
          expect(ol.map((rows) => rows.map((r) => r.length))).toEqual(tl.map((rows) => rows.map((r) => r.length)));
          const lens = typeof input === 'string' ? [lengths[1]!] : lengths;
          ol.forEach((rows, i) =>
            rows.forEach((row, p) => {
              // Past a shorter input's end transformers.js has the model's output at [PAD]
              // (it runs the padded batch); the engine never computes padding: zeros.
              if (p >= lens[i]!) expect(row.every((x) => x === 0)).toBe(true);
              else row.forEach((x, d) => expect(Math.abs(x - tl[i]![p]![d]!)).toBeLessThan(1e-4));
            }),
          );
        }
      }
    } finally {
      await ours.dispose();
    }
  }, 60_000);
});
