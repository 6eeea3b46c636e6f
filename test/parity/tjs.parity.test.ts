/**
 * pipeline('feature-extraction') as transformers.js shapes it (a Tensor, normalize false by
 * default) on the real engine, against tools/model/reference.py's float64 last hidden state.
 */
import { describe, expect, it } from 'vitest';
import { loadModel, pipeline, Tensor } from '../../lib/index';
import { fixture, reference } from '../helpers';

const TEXTS = ['Hello world!', 'The quick brown fox jumps over the lazy dog near Paris.'];

describe("pipeline('feature-extraction')", () => {
  it('mean and cls pooling give a [batch, dim] Tensor of the reference values, unnormalized by default', async () => {
    const dir = fixture('tiny-base-s5', ['--arch', 'base', '--seed', '5', '--no-prefix']);
    const m = await loadModel(dir, { threads: 1 });
    try {
      const encodings = m.tokenizer.encodeBatch(TEXTS);
      const max = Math.max(...encodings.map((e) => e.ids.length));
      const ref = reference<{ last_hidden_state: number[][][] }>(dir, {
        input_ids: encodings.map((e) => [...e.ids, ...new Array(max - e.ids.length).fill(0)]),
        attention_mask: encodings.map((e) => [...e.ids.map(() => 1), ...new Array(max - e.ids.length).fill(0)]),
      });
      const fx = await pipeline('feature-extraction', m);
      const mean = await fx(TEXTS, { pooling: 'mean' });
      const cls = await fx(TEXTS, { pooling: 'cls' });
      const unit = await fx(TEXTS[0]!, { pooling: 'mean', normalize: true });
      const dim = m.info.config.dim;
      expect(mean).toBeInstanceOf(Tensor);
      expect(mean.type).toBe('float32');
      expect(mean.dims).toEqual([2, dim]);
      expect(unit.dims).toEqual([1, dim]);
      const meanList = mean.tolist() as number[][];
      const clsList = cls.tolist() as number[][];
      encodings.forEach((e, i) => {
        const rows = ref.last_hidden_state[i]!.slice(0, e.ids.length);
        const avg = rows[0]!.map((_, d) => rows.reduce((a, r) => a + r[d]!, 0) / rows.length);
        avg.forEach((x, d) => expect(Math.abs(meanList[i]![d]! - x)).toBeLessThan(1e-4));
        rows[0]!.forEach((x, d) => expect(Math.abs(clsList[i]![d]! - x)).toBeLessThan(1e-4));
        if (i === 0) {
          const norm = Math.hypot(...avg);
          avg.forEach((x, d) => expect(Math.abs(unit.data[d]! - x / norm)).toBeLessThan(1e-5));
        }
      });
      // Per-token features (transformers.js's default) need native output this build lacks.
      await expect(fx(TEXTS)).rejects.toMatchObject({ code: 'DBN_INVALID_ARGUMENT', message: expect.stringMatching(/pooled vectors only/) });
    } finally {
      await m.dispose();
    }
  });
});
