/**
 * The bad-request table: each case gets its status and a JSON error with a package code, the
 * server stays up, and the next good request is still correct. Over a real socket.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../lib/index';
import { fixture } from '../helpers';
import { serve, type Served } from './serverHelpers';

let s: Served;
let good: unknown;
const KEY = 'sekrit-key';
const auth = { authorization: `Bearer ${KEY}` };
const GOOD = { inputs: { input_string: ['Paris is the [MASK] of France.'] } };

beforeAll(async () => {
  s = await serve(fixture('tiny-mlm-s1', ['--seed', '1']), { apiKey: KEY, bodyLimit: 64 << 10, bodyTimeoutMs: 500, maxInputs: 32, maxStringLength: 2000, maxDepth: 8 });
  good = (await s.model.fillMask(GOOD.inputs.input_string, { topK: 1 })).map((m) => ({ '0': m[0]![0]!.token_str }));
});
afterAll(() => s?.close());

type Case = [name: string, status: number, code: string, init: { path?: string; method?: string; body?: string; headers?: Record<string, string> }];
const j = (v: unknown) => JSON.stringify(v);
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const CASES: Case[] = [
  ['malformed JSON', 400, 'DBN_INVALID_ARGUMENT', { body: '{"inputs": ' }],
  ['trailing garbage', 400, 'DBN_INVALID_ARGUMENT', { body: j(GOOD) + 'x' }],
  ['empty body', 400, 'DBN_INVALID_ARGUMENT', { body: '' }],
  ['JSON null', 400, 'DBN_INVALID_ARGUMENT', { body: 'null' }],
  ['JSON array body', 400, 'DBN_INVALID_ARGUMENT', { body: '[1,2]' }],
  ['JSON string body', 400, 'DBN_INVALID_ARGUMENT', { body: '"hi"' }],
  ['wrong content type', 415, 'DBN_INVALID_ARGUMENT', { body: j(GOOD), headers: { 'content-type': 'text/plain' } }],
  ['form content type', 415, 'DBN_INVALID_ARGUMENT', { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ['oversize body', 413, 'DBN_INPUT_TOO_LONG', { body: j({ inputs: { input_string: ['a [MASK] ' + 'x'.repeat(70_000)] } }) }],
  ['deep nesting', 400, 'DBN_INVALID_ARGUMENT', { body: `{"inputs": ${deep(50)}}` }],
  ['very deep nesting', 400, 'DBN_INVALID_ARGUMENT', { body: deep(30_000) }],
  ['huge array', 413, 'DBN_INPUT_TOO_LONG', { body: j({ inputs: { input_string: Array(33).fill('a [MASK]') } }) }],
  ['string too long', 413, 'DBN_INPUT_TOO_LONG', { body: j({ inputs: { input_string: ['[MASK] ' + 'y '.repeat(1500)] } }) }],
  ['NUL in a string', 400, 'DBN_INVALID_ARGUMENT', { body: j({ inputs: { input_string: ['a\u0000 [MASK]'] } }) }],
  ['missing inputs', 400, 'DBN_INVALID_ARGUMENT', { body: '{}' }],
  ['missing input_string', 400, 'DBN_INVALID_ARGUMENT', { body: j({ inputs: {} }) }],
  ['input_string a number', 400, 'DBN_INVALID_ARGUMENT', { body: j({ inputs: { input_string: 5 } }) }],
  ['input_string holds a number', 400, 'DBN_INVALID_ARGUMENT', { body: j({ inputs: { input_string: ['a [MASK]', 7] } }) }],
  ['empty input_string', 400, 'DBN_INVALID_ARGUMENT', { body: j({ inputs: { input_string: [] } }) }],
  ['extra top-level field', 400, 'DBN_INVALID_ARGUMENT', { body: j({ ...GOOD, extra: 1 }) }],
  ['extra inputs field', 400, 'DBN_INVALID_ARGUMENT', { body: j({ inputs: { input_string: ['a [MASK]'], more: 1 } }) }],
  ['both inputs and input_data', 400, 'DBN_INVALID_ARGUMENT', { body: j({ ...GOOD, input_data: GOOD.inputs }) }],
  ['bad split columns', 400, 'DBN_INVALID_ARGUMENT', { body: j({ input_data: { columns: ['x'], data: [['a [MASK]']] } }) }],
  ['missing mask', 400, 'DBN_NO_MASK', { body: j({ inputs: { input_string: ['no mask here'] } }) }],
  ['top_k zero', 400, 'DBN_INVALID_ARGUMENT', { body: j({ ...GOOD, parameters: { top_k: 0 } }) }],
  ['top_k a string', 400, 'DBN_INVALID_ARGUMENT', { body: j({ ...GOOD, parameters: { top_k: 'five' } }) }],
  ['unknown parameter', 400, 'DBN_INVALID_ARGUMENT', { body: j({ ...GOOD, parameters: { temperature: 1 } }) }],
  ['no auth', 401, 'DBN_INVALID_ARGUMENT', { body: j(GOOD), headers: { authorization: '' } }],
  ['wrong key', 401, 'DBN_INVALID_ARGUMENT', { body: j(GOOD), headers: { authorization: 'Bearer sekrit-kez' } }],
  ['basic auth', 401, 'DBN_INVALID_ARGUMENT', { body: j(GOOD), headers: { authorization: `Basic ${KEY}` } }],
  ['unknown route', 404, 'DBN_INVALID_ARGUMENT', { path: '/v2/nothing', body: j(GOOD) }],
  ['head cannot serve route', 404, 'DBN_UNSUPPORTED_MODEL', { path: '/v1/qa', body: j({ inputs: { question: 'a', context: 'b' } }) }],
  ['embeddings: input missing', 400, 'DBN_INVALID_ARGUMENT', { path: '/v1/embeddings', body: j({ model: 'x' }) }],
  ['embeddings: bad encoding_format', 400, 'DBN_INVALID_ARGUMENT', { path: '/v1/embeddings', body: j({ input: 'x', encoding_format: 'hex' }) }],
  ['embeddings: wrong dimensions', 400, 'DBN_INVALID_ARGUMENT', { path: '/v1/embeddings', body: j({ input: 'x', dimensions: 3 }) }],
  ['HF: inputs an object', 400, 'DBN_INVALID_ARGUMENT', { path: '/', body: j({ inputs: { a: 1 } }) }],
  ['v1: bad options type', 400, 'DBN_INVALID_ARGUMENT', { path: '/v1/fill-mask', body: j({ inputs: 'a [MASK]', options: 'fast' }) }],
  ['v1: bad pooling', 400, 'DBN_INVALID_ARGUMENT', { path: '/v1/embed', body: j({ inputs: 'a', options: { pooling: 'max' } }) }],
];

describe('bad requests', () => {
  it(`the table has at least 30 cases (${CASES.length})`, () => expect(CASES.length).toBeGreaterThanOrEqual(30));
  it.each(CASES)('%s → %i %s, then a good request is still right', async (_name, status, code, init) => {
    const r = await fetch(s.url + (init.path ?? '/score'), {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(30_000),
    });
    expect(r.status).toBe(status);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(ERROR_CODES).toContain(body.error.code);
    expect(body.error.message.length).toBeGreaterThan(10);
    const ok = await fetch(`${s.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: j(GOOD) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(good);
  });

  it('lone surrogates are defined behaviour (U+FFFD, as the library): 200 and equal to the library', async () => {
    const text = 'a \ud800 [MASK] b';
    const api = (await s.model.fillMask([text], { topK: 1 })).map((m) => ({ '0': m[0]![0]!.token_str }));
    const r = await fetch(`${s.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"inputs":{"input_string":["a \\ud800 [MASK] b"]}}' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(api);
  });

  it('/health and /ready need no key; /info does', async () => {
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    expect((await fetch(`${s.url}/info`)).status).toBe(401);
    expect((await fetch(`${s.url}/info`, { headers: auth })).status).toBe(200);
  });

  it('a slow-loris partial body gets 408 with a JSON error within the body timeout', async () => {
    const port = Number(new URL(s.url).port);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${KEY}\r\nContent-Length: 1000\r\n\r\n{"inputs":`);
      });
      let data = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => (data += d));
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
      setTimeout(() => { sock.destroy(); reject(new Error('no answer in 10 s')); }, 10_000);
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('DBN_INVALID_ARGUMENT');
  });
});
