/**
 * Fill-mask parity: top-k ids and scores against tools/model/reference.py (float64 NumPy), on
 * input ids made by Hugging Face's own tokenizer (npm `tokenizers`) as the oracle.
 */
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type FillMaskOutput, type Model } from '../../lib/index';
import { fixture, reference, torchscript, type ReferenceMask } from '../helpers';

const TOL = 1e-4;

/**
 * Our j-th candidate must carry the reference probability of the reference's j-th candidate
 * (so ids agree except where float32 may swap a float64 near-tie), and its own score must
 * match the reference probability of that id.
 */
function expectMatches(ours: FillMaskOutput, ref: ReferenceMask[], topK: number, useTargets = false): void {
  expect(ours.length).toBe(ref.length);
  ours.forEach((candidates, m) => {
    const r = ref[m]!;
    const refIds = useTargets ? [] : r.top_ids;
    const refProbs = useTargets ? [] : r.top_probs;
    expect(candidates.length).toBe(useTargets ? candidates.length : Math.min(topK, refIds.length));
    candidates.forEach((c, j) => {
      if (useTargets) return;
      const idx = refIds.indexOf(c.token);
      expect(idx, `candidate ${c.token} missing from the reference top list`).toBeGreaterThanOrEqual(0);
      expect(Math.abs(c.score - refProbs[idx]!)).toBeLessThan(TOL);
      expect(Math.abs(refProbs[idx]! - refProbs[j]!)).toBeLessThan(TOL);
      const gapBefore = j > 0 ? refProbs[j - 1]! - refProbs[j]! : Infinity;
      const gapAfter = j + 1 < refProbs.length ? refProbs[j]! - refProbs[j + 1]! : Infinity;
      if (Math.min(gapBefore, gapAfter) > TOL) expect(c.token).toBe(refIds[j]);
    });
  });
}

async function oracleIds(hf: HfTokenizer, text: string): Promise<number[]> {
  return (await hf.encode(text.replace(/\[mask\]/gi, '[MASK]'))).getIds();
}

const CASES = [
  'Paris is the [MASK] of France.',
  'Today is a [mask] day!',
  'The [MASK] sat on the [MASK], and then it [MASK] away.',
  'Héllo wörld, [MASK] naïve café — 東京 is big.',
  '[MASK]',
];

const FIXTURES: [string, string[], string][] = [
  ['tiny-mlm-s1', ['--seed', '1'], 'safetensors'],
  ['tiny-mlm-s7-noprefix-untied', ['--seed', '7', '--no-prefix', '--untied', '--with-position-ids'], 'safetensors'],
  ['odd-mlm-s3', ['--seed', '3', '--dim', '48', '--n-layers', '3', '--n-heads', '6', '--hidden-dim', '80'], 'safetensors'],
  ['tiny-mlm-f16-s5', ['--seed', '5', '--dtype', 'F16'], 'safetensors'],
  ['tiny-mlm-s1', ['--seed', '1'], 'torchscript'],
];

describe.each(FIXTURES)('fill-mask parity on %s (%s, %s)', (name, args, format) => {
  let model: Model;
  let hf: HfTokenizer;
  let dir: string;
  beforeAll(async () => {
    dir = fixture(name, args);
    if (format === 'torchscript') torchscript(dir);
    model = await loadModel(dir, { format: format as 'safetensors' | 'torchscript' });
    hf = HfTokenizer.fromFile(`${dir}/tokenizer.json`);
  });
  afterAll(() => model?.dispose());

  it('loads the requested format', () => {
    expect(model.info.format).toBe(format);
    expect(model.info.config.architecture).toBe('DistilBertForMaskedLM');
  });

  it.each(CASES)('top-10 of %j matches the float64 reference', async (text) => {
    const ids = await oracleIds(hf, text);
    expect(model.tokenizer.encode(text.replace(/\[mask\]/gi, '[MASK]')).ids).toEqual(ids);
    const ref = reference(dir, { input_ids: [ids], mask_token_id: 103, top: 50 });
    const ours = await model.fillMask(text, { topK: 10 });
    expect(ours.length).toBe(ids.filter((i) => i === 103).length);
    expectMatches(ours, ref.masks[0]!, 10);
  });

  it('targets restrict the candidates and keep full-vocabulary probabilities', async () => {
    const text = 'Paris is the [MASK] of France.';
    const targets = ['capital', 'city', 'heart', 'zzzqqq'];
    // Oracle for targets: vocab hits as they are, other words by their first sub-token (HF).
    const targetIds = [...new Set(await Promise.all(targets.map(async (t) => (await hf.encode(t, null, { addSpecialTokens: false })).getIds()[0]!)))];
    const ref = reference(dir, { input_ids: [await oracleIds(hf, text)], top: 1, target_ids: targetIds });
    const probs = ref.masks[0]![0]!.target_probs!;
    const [ours] = await model.fillMask(text, { topK: 10, targets });
    expect(ours!.length).toBe(targetIds.length);
    const expected = targetIds.map((id, i) => ({ id, p: probs[i]! })).sort((a, b) => b.p - a.p);
    ours!.forEach((c, j) => {
      expect(Math.abs(c.score - expected[j]!.p)).toBeLessThan(TOL);
      expect(targetIds).toContain(c.token);
    });
    expect(new Set(ours!.map((c) => c.token))).toEqual(new Set(targetIds));
  });
});
