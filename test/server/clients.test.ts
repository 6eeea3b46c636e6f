/** The official @huggingface/inference (endpointUrl) and openai (baseURL) clients against the server, unchanged. */
import { InferenceClient } from '@huggingface/inference';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers';
import { plain, serve, type Served } from './serverHelpers';

const opened: Served[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});
async function open(arch: string): Promise<Served> {
  const s = await serve(fixture(arch === 'masked-lm' ? 'tiny-mlm-s1' : `tiny-${arch}-s2`, arch === 'masked-lm' ? ['--seed', '1'] : ['--seed', '2', '--arch', arch]), { apiKey: 'k1' });
  opened.push(s);
  return s;
}
const hf = (s: Served) => new InferenceClient('k1', { endpointUrl: s.url });
const text = 'Ada Lovelace lived in London.';

describe('@huggingface/inference with endpointUrl', () => {
  it('fillMask', async () => {
    const s = await open('masked-lm');
    const out = await hf(s).fillMask({ inputs: 'Paris is the [MASK] of France.', parameters: { top_k: 3 } });
    expect(out).toEqual(plain((await s.model.fillMask('Paris is the [MASK] of France.', { topK: 3 }))[0]));
    // Any checkpoint embeds: the OpenAI client on the same server.
    const client = new OpenAI({ apiKey: 'k1', baseURL: `${s.url}/v1`, timeout: 30_000, maxRetries: 0 });
    const input = ['hello there', 'general kenobi'];
    const api = await s.model.embed(input);
    const r = await client.embeddings.create({ model: 'distilbert', input }); // base64 by default
    expect(r.data.map((d) => d.embedding.length)).toEqual([api[0]!.length, api[1]!.length]);
    r.data.forEach((d, i) => expect(d.embedding).toEqual(Array.from(api[i]!)));
    const f = await client.embeddings.create({ model: 'distilbert', input: 'hello there', encoding_format: 'float' });
    expect(f.data[0]!.embedding).toEqual(Array.from(api[0]!));
    expect(r.usage.prompt_tokens).toBe(input.reduce((n, t) => n + s.model.tokenizer.encode(t).ids.length, 0));
    await expect(new OpenAI({ apiKey: 'wrong', baseURL: `${s.url}/v1`, maxRetries: 0 }).embeddings.create({ model: 'x', input: 'a' })).rejects.toMatchObject({ status: 401 });
  });
  it('textClassification', async () => {
    const s = await open('sequence-classification');
    const out = await hf(s).textClassification({ inputs: text, parameters: { top_k: 3 } });
    expect(out).toEqual(plain(await s.model.classify(text, { topK: 3 })));
  });
  it('tokenClassification', async () => {
    const s = await open('token-classification');
    const out = await hf(s).tokenClassification({ inputs: text });
    expect(out).toEqual(plain(await s.model.tokenClassify(text, { aggregationStrategy: 'simple' })));
  });
  it('questionAnswering', async () => {
    const s = await open('question-answering');
    const inputs = { question: 'Where did Ada live?', context: text };
    expect(await hf(s).questionAnswering({ inputs })).toEqual(plain(await s.model.answerQuestion(inputs)));
  });
  it('featureExtraction', async () => {
    const s = await open('base');
    expect(await hf(s).featureExtraction({ inputs: text })).toEqual(plain(await s.model.embed(text)));
  });
});
