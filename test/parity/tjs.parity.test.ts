/**
 * pipeline('feature-extraction') as transformers.js shapes it (a Tensor, pooling 'none' and
 * normalize false by default) on the real engine, against tools/model/reference.py's float64
 * last hidden state.
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
    } finally {
      await m.dispose();
    }
  });

  it("pooling 'none' (the default), bare encoder and masked-LM: [batch, longest, dim], each real token the reference's row, zeros past a shorter input's end", async () => {
    for (const [name, args] of [
      ['tiny-base-s5', ['--arch', 'base', '--seed', '5', '--no-prefix']],
      ['tiny-mlm-s1', ['--seed', '1']],
    ] as const) {
      const dir = fixture(name, [...args]);
      const m = await loadModel(dir, { threads: 1 });
      try {
        const encodings = m.tokenizer.encodeBatch(TEXTS);
        const lengths = encodings.map((e) => e.ids.length);
        const max = Math.max(...lengths);
        expect(lengths[0]).toBeLessThan(max); // so the first input has padding rows
        const ref = reference<{ last_hidden_state: number[][][] }>(
          dir,
          {
            input_ids: encodings.map((e) => [...e.ids, ...new Array(max - e.ids.length).fill(0)]),
            attention_mask: encodings.map((e) => [...e.ids.map(() => 1), ...new Array(max - e.ids.length).fill(0)]),
          },
          ['--hidden'],
        );
        const fx = await pipeline('feature-extraction', m);
        const dim = m.info.config.dim;
        const [features, unit, alone] = await Promise.all([fx(TEXTS), fx(TEXTS, { normalize: true }), fx(TEXTS[0]!)]);
        expect(features).toBeInstanceOf(Tensor);
        expect(features.type).toBe('float32');
        expect(features.dims).toEqual([2, max, dim]);
        expect(features.size).toBe(2 * max * dim);
        expect(alone.dims).toEqual([1, lengths[0], dim]);
        const list = features.tolist() as number[][][];
        const unitList = unit.tolist() as number[][][];
        const aloneList = alone.tolist() as number[][][];
        lengths.forEach((len, i) => {
          expect(list[i]!.length).toBe(max);
          for (let t = 0; t < max; t++) {
            const row = list[i]![t]!;
            expect(row.length).toBe(dim);
            if (t >= len) {
              expect(row.every((x) => x === 0), `${name}: padding row ${i}/${t} is zeros`).toBe(true);
              expect(unitList[i]![t]!.every((x) => x === 0)).toBe(true);
              continue;
            }
            const want = ref.last_hidden_state[i]![t]!;
            const norm = Math.hypot(...want);
            row.forEach((x, d) => {
              expect(Math.abs(x - want[d]!)).toBeLessThan(1e-4);
              expect(Math.abs(unitList[i]![t]![d]! - want[d]! / norm)).toBeLessThan(1e-5);
            });
            if (i === 0) aloneList[0]![t]!.forEach((x, d) => expect(Math.abs(x - row[d]!)).toBeLessThan(1e-5));
          }
        });
        // model.embedTokens: the same rows, unpadded, one Tensor per input.
        const perInput = await m.embedTokens(TEXTS);
        expect(perInput.map((t) => t.dims)).toEqual(lengths.map((n) => [n, dim]));
        perInput.forEach((t, i) => expect(t.tolist()).toEqual(list[i]!.slice(0, lengths[i])));
      } finally {
        await m.dispose();
      }
    }
  });
});
