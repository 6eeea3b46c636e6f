/** Every route and contract, through inject() and through a real socket, checked against the in-process API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers';
import { plain, post, serve, type Served } from './serverHelpers';

const SAMPLE = ['Paris is the [MASK] of France.', 'Today is a [MASK] day!'];
let mlm: Served;

beforeAll(async () => {
  mlm = await serve(fixture('tiny-mlm-s1', ['--seed', '1']), { modelId: 'tiny-mlm' });
});
afterAll(() => mlm?.close());

describe('POST /score (Azure ML contract)', () => {
  it("answers the model card's sample in its shape, top-1 token_str per mask", async () => {
    const expected = (await mlm.model.fillMask(SAMPLE, { topK: 1 })).map((m) => Object.fromEntries(m.map((c, i) => [String(i), c[0]!.token_str])));
    const r = await mlm.server.app.inject({ method: 'POST', url: '/score', payload: { inputs: { input_string: SAMPLE } } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual(expected);
    const s = await post(`${mlm.url}/score`, { inputs: { input_string: SAMPLE } });
    expect(s.status).toBe(200);
    expect(s.json).toEqual(expected);
    expect(Object.keys(s.json[0])).toEqual(['0']);
  });
  it('keys several masks "0", "1" in mask order', async () => {
    const text = 'The [MASK] and the [MASK].';
    const api = await mlm.model.fillMask(text, { topK: 1 });
    const r = await post(`${mlm.url}/score`, { inputs: { input_string: [text] } });
    expect(r.json).toEqual([{ '0': api[0]![0]!.token_str, '1': api[1]![0]!.token_str }]);
  });
  it('takes input_data, and the MLflow split DataFrame form', async () => {
    const expected = (await post(`${mlm.url}/score`, { inputs: { input_string: SAMPLE } })).json;
    expect((await post(`${mlm.url}/score`, { input_data: { input_string: SAMPLE } })).json).toEqual(expected);
    const split = { input_data: { columns: ['input_string'], index: [0, 1], data: SAMPLE.map((t) => [t]) } };
    expect((await post(`${mlm.url}/score`, split)).json).toEqual(expected);
  });
  it('parameters.top_k (or params) gives HF pipeline-shaped candidate lists', async () => {
    const api = await mlm.model.fillMask(SAMPLE, { topK: 3 });
    const expected = plain(api.map((m) => (m.length === 1 ? m[0] : m)));
    expect((await post(`${mlm.url}/score`, { inputs: { input_string: SAMPLE }, parameters: { top_k: 3 } })).json).toEqual(expected);
    expect((await post(`${mlm.url}/score`, { inputs: { input_string: SAMPLE }, params: { top_k: 3 } })).json).toEqual(expected);
  });
});

describe('POST / (HF Inference contract) and /v1/<task>', () => {
  it('fill-mask for a masked-LM head', async () => {
    const api = await mlm.model.fillMask('a [MASK] b', { topK: 4 });
    expect((await post(`${mlm.url}/`, { inputs: 'a [MASK] b', parameters: { top_k: 4 } })).json).toEqual(plain(api[0]));
  });
  it('/v1/fill-mask takes the library options and returns what the library returns', async () => {
    const api = await mlm.model.fillMask(SAMPLE, { topK: 2, targets: ['good', 'bad'] });
    const r = await post(`${mlm.url}/v1/fill-mask`, { inputs: SAMPLE, options: { topK: 2, targets: ['good', 'bad'] } });
    expect(r.json).toEqual(plain(api));
  });
  it('/v1/embed and /v1/tokenize', async () => {
    const api = await mlm.model.embed(['x y', 'z'], { pooling: 'cls' });
    expect((await post(`${mlm.url}/v1/embed`, { inputs: ['x y', 'z'], options: { pooling: 'cls' } })).json).toEqual(plain(api));
    const e = mlm.model.tokenizer.encode('Hello world');
    expect((await post(`${mlm.url}/v1/tokenize`, { inputs: 'Hello world' })).json).toEqual(plain({ ids: e.ids, tokens: e.tokens, offsets: e.offsets }));
  });
  it('a route the head cannot serve is a 404 naming the head', async () => {
    for (const route of ['classify', 'ner', 'qa']) {
      const r = await post(`${mlm.url}/v1/${route}`, { inputs: 'x' });
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe('DBN_UNSUPPORTED_MODEL');
      expect(r.json.error.message).toMatch(/DistilBertForMaskedLM/);
    }
  });
  it.each([
    ['sequence-classification', 'text-classification', 'classify'],
    ['token-classification', 'token-classification', 'ner'],
    ['question-answering', 'question-answering', 'qa'],
    ['base', 'feature-extraction', 'embed'],
  ])('%s head: POST / serves %s, /v1/%s matches the library', async (arch, task, route) => {
    const s = await serve(fixture(`tiny-${arch}-s2`, ['--seed', '2', '--arch', arch]));
    try {
      const info = (await s.server.app.inject({ method: 'GET', url: '/info' })).json();
      expect(info.task).toBe(task);
      expect(info.routes).toContain(`/v1/${route}`);
      const text = 'Ada Lovelace lived in London.';
      const qa = { question: 'Where did Ada live?', context: text };
      let api: unknown, hf: unknown, rich: unknown;
      if (route === 'classify') {
        api = await s.model.classify(text, { topK: null });
        rich = (await post(`${s.url}/v1/classify`, { inputs: text, options: { topK: null } })).json;
        hf = (await post(`${s.url}/`, { inputs: text, parameters: { top_k: null } })).json;
        expect(hf).toEqual(plain([api]));
        expect(info.labels.length).toBe(3);
      } else if (route === 'ner') {
        api = await s.model.tokenClassify(text, { aggregationStrategy: 'simple' });
        rich = (await post(`${s.url}/v1/ner`, { inputs: text, options: { aggregationStrategy: 'simple' } })).json;
        hf = (await post(`${s.url}/`, { inputs: text })).json;
        expect(hf).toEqual(plain(api));
      } else if (route === 'qa') {
        api = await s.model.answerQuestion(qa);
        rich = (await post(`${s.url}/v1/qa`, { inputs: qa })).json;
        hf = (await post(`${s.url}/`, { inputs: qa })).json;
        expect(hf).toEqual(plain(api));
      } else {
        api = await s.model.embed(text);
        rich = (await post(`${s.url}/v1/embed`, { inputs: text })).json;
        hf = (await post(`${s.url}/`, { inputs: text })).json;
        expect(hf).toEqual(plain(api));
        expect((await post(`${s.url}/score`, { inputs: { input_string: ['a [MASK]'] } })).status).toBe(404);
        // pooling 'none': every token's vector, [tokens][dim] per input and unpadded, on both
        // routes; normalized by default there as every vector they return, unless asked otherwise.
        const two = [text, 'Hi.'];
        const raw = (await s.model.embedTokens(two)).map((t) => t.tolist());
        const unit = (await s.model.embedTokens(two, { normalize: true })).map((t) => t.tolist());
        expect(raw[0]!.length).not.toBe(raw[1]!.length);
        expect((await post(`${s.url}/v1/embed`, { inputs: two, options: { pooling: 'none', normalize: false } })).json).toEqual(raw);
        expect((await post(`${s.url}/v1/embed`, { inputs: text, options: { pooling: 'none' } })).json).toEqual(unit[0]);
        expect((await post(`${s.url}/`, { inputs: two, parameters: { pooling: 'none', normalize: false } })).json).toEqual(raw);
        expect((await post(`${s.url}/`, { inputs: text, parameters: { pooling: 'none' } })).json).toEqual(unit[0]);
      }
      expect(rich).toEqual(plain(api));
    } finally {
      await s.close();
    }
  });
});

describe('POST /v1/embeddings (OpenAI contract)', () => {
  it('float and base64, with usage.prompt_tokens', async () => {
    const input = ['hello there', 'general kenobi'];
    const api = await mlm.model.embed(input);
    const r = await post(`${mlm.url}/v1/embeddings`, { input, model: 'm' });
    expect(r.json.object).toBe('list');
    expect(r.json.model).toBe('m');
    expect(r.json.data.map((d: { embedding: number[] }) => d.embedding)).toEqual(plain(api));
    const tokens = input.reduce((n, t) => n + mlm.model.tokenizer.encode(t).ids.length, 0);
    expect(r.json.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    const b = await post(`${mlm.url}/v1/embeddings`, { input: 'hello there', encoding_format: 'base64' });
    const buf = Buffer.from(b.json.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4))).toEqual(Array.from(api[0]!));
  });
});

describe('GET routes', () => {
  it('/health, /ready, /info, /openapi.json, /metrics', async () => {
    const app = mlm.server.app;
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/ready')).json()).toEqual({ ready: true });
    const info = (await app.inject('/info')).json();
    expect(info).toMatchObject({ model: 'tiny-mlm', architecture: 'DistilBertForMaskedLM', task: 'fill-mask', dtype: 'float32', device: 'cpu', maxLength: mlm.model.info.config.maxPositionEmbeddings });
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.0.3');
    for (const p of ['/score', '/', '/v1/embeddings', '/v1/fill-mask', '/health', '/metrics']) expect(Object.keys(doc.paths)).toContain(p);
    const before = mlm.model.stats();
    await post(`${mlm.url}/score`, { inputs: { input_string: SAMPLE } });
    const m = await fetch(`${mlm.url}/metrics`);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await m.text();
    expect(text).toMatch(/dbn_http_requests_total\{route="\/score",method="POST",status="200"\} \d+/);
    expect(text).toMatch(/dbn_http_request_duration_seconds_bucket\{le="[^"]+",route="\/score"\}/);
    const tokens = Number(/^dbn_tokens_total (\d+)$/m.exec(text)?.[1]);
    expect(tokens).toBe(mlm.model.stats().tokens);
    expect(tokens).toBeGreaterThan(before.tokens);
    expect(text).toMatch(/^dbn_queue_calls 0$/m);
    expect(text).toMatch(/^dbn_batches_total \d+$/m);
  });
  it('/ready turns false when draining', async () => {
    const s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']));
    try {
      s.server.drain();
      const r = await s.server.app.inject('/ready');
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({ ready: false });
      expect((await s.server.app.inject('/health')).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });
  it('GET / is the playground page with its assets', async () => {
    const page = await fetch(`${mlm.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script src="\/playground\/app.js">/);
    expect((await fetch(`${mlm.url}/playground/app.js`)).status).toBe(200);
    expect((await fetch(`${mlm.url}/playground/style.css`)).status).toBe(200);
  });
});
