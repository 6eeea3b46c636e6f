/**
 * A TorchScript archive whose parameter names don't map onto DistilBERT's (here: the same model
 * nested under "inner.") runs through its own forward; results still match the float64 reference.
 */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/index';
import { native } from '../../lib/native';
import { fixture, reference, torchscript, type ReferenceMask } from '../helpers';

describe('TorchScript fallback to the module forward', () => {
  it('fill-mask: top-10 ids and scores match the reference', async () => {
    const dir = fixture('tiny-mlm-s9-wrapped', ['--seed', '9']);
    torchscript(dir, true);
    const model = await loadModel(dir, { format: 'torchscript' });
    expect(model.info.engine).toBe('torchscript-forward');
    const text = 'The [MASK] sat on the [MASK].';
    const ids = model.tokenizer.encode(text).ids;
    const ref = reference(dir, { input_ids: [ids], top: 50 }).masks[0] as ReferenceMask[];
    const ours = await model.fillMask([text, 'short [MASK]'], { topK: 10 });
    expect(ours[0]!.length).toBe(2);
    ours[0]!.forEach((cands, m) => {
      cands.forEach((c, j) => {
        const idx = ref[m]!.top_ids.indexOf(c.token);
        expect(idx).toBeGreaterThanOrEqual(0);
        expect(Math.abs(c.score - ref[m]!.top_probs[idx]!)).toBeLessThan(1e-4);
        expect(Math.abs(ref[m]!.top_probs[idx]! - ref[m]!.top_probs[j]!)).toBeLessThan(1e-4);
      });
    });
    await expect(loadModel(dir, { format: 'torchscript', dtype: 'bfloat16' })).rejects.toMatchObject({
      code: 'DBN_INVALID_ARGUMENT',
    });
    await model.dispose();
  });

  it('question answering: packed start/end logits match the reference on a mixed batch', async () => {
    const dir = fixture('tiny-qa-s10-wrapped', ['--arch', 'question-answering', '--seed', '10']);
    torchscript(dir, true);
    const m = await native().loadModel(dir, { format: 'torchscript' });
    expect(m.info.engine).toBe('torchscript-forward');
    const enc = m.tokenizer.encodeBatch(['Who?', 'Where is the big red house near the river?'], true);
    const maxLen = Math.max(...enc.map((e) => e.ids.length));
    const padded = enc.map((e) => [...Array.from(e.ids), ...new Array(maxLen - e.ids.length).fill(0)]);
    const mask = enc.map((e) => [...new Array(e.ids.length).fill(1), ...new Array(maxLen - e.ids.length).fill(0)]);
    const ref = reference<{ start_logits: number[][]; end_logits: number[][] }>(dir, { input_ids: padded, attention_mask: mask });
    const ours = await m.answerQuestion(
      Int32Array.from(enc.flatMap((e) => Array.from(e.ids))),
      Int32Array.from(enc.map((e) => e.ids.length)),
    );
    const want = ref.start_logits.flatMap((row, i) => row.slice(0, enc[i]!.ids.length));
    expect(ours.start.length).toBe(want.length);
    ours.start.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
    // The archive's forward gives the head's logits only: no hidden states to pool or return.
    const ids = Int32Array.from(enc[0]!.ids);
    const lengths = Int32Array.of(ids.length);
    await expect(m.hiddenStates(ids, lengths)).rejects.toMatchObject({ code: 'DBN_UNSUPPORTED_MODEL', message: expect.stringMatching(/DistilBertModel/) });
    await expect(m.embed(ids, lengths, 'mean', false)).rejects.toMatchObject({ code: 'DBN_UNSUPPORTED_MODEL' });
    await m.dispose();
  });

  it("hiddenStates of a bare encoder's archive: its own forward's last hidden state, packed, on a mixed batch", async () => {
    const dir = fixture('tiny-base-s11-wrapped', ['--arch', 'base', '--seed', '11', '--no-prefix']);
    torchscript(dir, true);
    const m = await native().loadModel(dir, { format: 'torchscript' });
    expect(m.info.engine).toBe('torchscript-forward');
    const enc = m.tokenizer.encodeBatch(['Hi.', 'A somewhat longer sentence about rivers and houses.'], true);
    const maxLen = Math.max(...enc.map((e) => e.ids.length));
    const padded = enc.map((e) => [...Array.from(e.ids), ...new Array(maxLen - e.ids.length).fill(0)]);
    const mask = enc.map((e) => [...new Array(e.ids.length).fill(1), ...new Array(maxLen - e.ids.length).fill(0)]);
    const ref = reference<{ last_hidden_state: number[][][] }>(dir, { input_ids: padded, attention_mask: mask });
    const want = ref.last_hidden_state.flatMap((seq, i) => seq.slice(0, enc[i]!.ids.length).flat());
    const ours = await m.hiddenStates(
      Int32Array.from(enc.flatMap((e) => Array.from(e.ids))),
      Int32Array.from(enc.map((e) => e.ids.length)),
    );
    expect(ours.length).toBe(want.length);
    ours.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
    await m.dispose();
  });
});
