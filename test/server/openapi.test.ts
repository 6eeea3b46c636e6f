/**
 * /openapi.json: a well-formed OpenAPI 3.1 document of exactly the routes this head serves, with
 * the limits the server enforces; every route's documented example answers 200 in the documented
 * shape, and requests the schemas refuse are refused by the server (through inject(), with the
 * package's statuses, codes and sentences). The schemas' choice lists match the library's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, pipeline, TASKS, type PipelineTask } from '../../lib/index';
import { hfParametersSchema, taskOptionsSchema } from '../../lib/server/taskSchemas';
import { ROOT, fixture } from '../helpers';
import { conforms, documentSchemas, openApiProblems } from './openApiCheck';
import { serve, type Served } from './serverHelpers';

type Json = Record<string, any>;
const KEY = 'k-openapi';
const auth = { authorization: `Bearer ${KEY}` };
const LIMITS = { maxInputs: 4, maxStringLength: 60 };
const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const HEADS = {
  mlm: () => fixture('tiny-mlm-s1', ['--seed', '1']),
  'sequence-classification': () => fixture('tiny-sequence-classification-s2', ['--seed', '2', '--arch', 'sequence-classification']),
  'token-classification': () => fixture('tiny-token-classification-s2', ['--seed', '2', '--arch', 'token-classification']),
  'question-answering': () => fixture('tiny-question-answering-s2', ['--seed', '2', '--arch', 'question-answering']),
  base: () => fixture('tiny-base-s2', ['--seed', '2', '--arch', 'base']),
};
type Head = keyof typeof HEADS;
const servers = {} as Record<Head, Served>;
const docs = {} as Record<Head, Json>;

beforeAll(async () => {
  for (const head of Object.keys(HEADS) as Head[]) {
    // The masked-LM server has a key and tight limits; the others neither.
    servers[head] = await serve(HEADS[head](), head === 'mlm' ? { apiKey: KEY, ...LIMITS } : {});
    const r = await servers[head].server.app.inject({ url: '/openapi.json', headers: head === 'mlm' ? auth : {} });
    expect(r.statusCode).toBe(200);
    docs[head] = r.json();
  }
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s?.close();
});

async function send(head: Head, method: string, url: string, body?: unknown) {
  const r = await servers[head].server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(head === 'mlm' ? auth : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, type: String(r.headers['content-type'] ?? ''), text: r.body, json: () => r.json() as Json };
}

const operations = (doc: Json) =>
  Object.entries(doc.paths).flatMap(([url, item]) => Object.entries(item as Json).map(([method, op]) => ({ url, method, op: op as Json })));

describe('the document', () => {
  it.each(Object.keys(HEADS) as Head[])('%s: well-formed OpenAPI 3.1 (responses on every operation, refs resolve, every schema typed)', (head) => {
    const doc = docs[head];
    expect(openApiProblems(doc)).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(version);
    expect(doc.info.license.name).toBe('Apache-2.0');
    expect(doc.servers).toEqual([{ url: '/', description: 'This server' }]);
    expect([...documentSchemas(doc)].length).toBeGreaterThan(100);
    for (const { op } of operations(doc)) {
      expect(op.responses['200'].content).toBeDefined();
      expect(op.responses.default.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
  });

  it('the checker finds what is wrong: a dangling $ref, an untyped schema, an operation without responses', () => {
    const doc = structuredClone(docs.mlm);
    doc.paths['/score'].post.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/Nope' };
    doc.components.schemas.Text = { maxLength: 3 };
    doc.paths['/health'].get.responses = {};
    const problems = openApiProblems(doc);
    expect(problems).toContainEqual(expect.stringMatching(/\$ref #\/components\/schemas\/Nope does not resolve/));
    expect(problems).toContainEqual(expect.stringMatching(/components\.schemas\.Text: schema without a valid type/));
    expect(problems).toContainEqual('GET /health: no responses');
  });

  it.each([
    ['mlm', ['/score', '/', '/v1/embeddings', '/v1/fill-mask', '/v1/embed', '/v1/tokenize'], ['/v1/classify', '/v1/ner', '/v1/qa']],
    ['sequence-classification', ['/', '/v1/classify', '/v1/embed', '/v1/embeddings'], ['/score', '/v1/fill-mask', '/v1/ner', '/v1/qa']],
    ['token-classification', ['/', '/v1/ner'], ['/score', '/v1/fill-mask', '/v1/classify', '/v1/qa']],
    ['question-answering', ['/', '/v1/qa'], ['/score', '/v1/fill-mask', '/v1/classify', '/v1/ner']],
    ['base', ['/', '/v1/embed', '/v1/tokenize'], ['/score', '/v1/fill-mask', '/v1/classify', '/v1/ner', '/v1/qa']],
  ] as [Head, string[], string[]][])('%s: only the routes the head serves; the others are named as 404', async (head, present, absent) => {
    const paths = Object.keys(docs[head].paths);
    for (const p of [...present, '/health', '/ready', '/info', '/metrics', '/openapi.json']) expect(paths).toContain(p);
    for (const p of absent) {
      expect(paths).not.toContain(p);
      expect(docs[head].info.description).toContain(p);
      expect((await send(head, 'POST', p, { inputs: 'x' })).status).toBe(404);
    }
  });

  it('carries the limits the server was given, and the error statuses each route can answer', () => {
    const doc = docs.mlm;
    expect(doc.components.schemas.Text).toMatchObject({ type: 'string', maxLength: LIMITS.maxStringLength });
    expect(doc.components.schemas.TextList).toMatchObject({ type: 'array', minItems: 1, maxItems: LIMITS.maxInputs });
    expect(doc.components.schemas.TokenizeOptions.properties.maxLength.maximum).toBe(LIMITS.maxStringLength);
    const statuses = (url: string, method = 'post') => Object.keys(doc.paths[url][method].responses).sort();
    const inference = ['200', '400', '401', '408', '413', '415', '429', '503', '504', 'default'];
    for (const url of ['/score', '/', '/v1/embeddings', '/v1/fill-mask', '/v1/embed']) expect(statuses(url)).toEqual(inference);
    expect(statuses('/v1/tokenize')).toEqual(['200', '400', '401', '408', '413', '415', '503', 'default']);
    expect(statuses('/info', 'get')).toEqual(['200', '401', '503', 'default']);
    expect(statuses('/health', 'get')).toEqual(['200', '503', 'default']);
    expect(doc.paths['/ready'].get.responses['503'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Ready' });
    expect(doc.paths['/score'].post.responses['429'].headers['Retry-After']).toBeDefined();
    expect(doc.paths['/score'].post.responses['400'].description).toMatch(/DBN_NO_MASK/);
  });

  it('bearer security with --api-key (open routes marked open); none without', () => {
    const doc = docs.mlm;
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const [url, method] of [['/health', 'get'], ['/ready', 'get'], ['/', 'get']] as const) {
      expect(doc.paths[url][method].security).toEqual([]);
      expect(doc.paths[url][method].responses['401']).toBeUndefined();
    }
    expect(doc.paths['/'].post.security).toBeUndefined();
    expect(doc.paths['/'].post.responses['401'].headers['WWW-Authenticate']).toBeDefined();
    const open = docs.base;
    expect(open.security).toBeUndefined();
    expect(open.components.securitySchemes).toBeUndefined();
    for (const { op } of operations(open)) expect(op.responses['401']).toBeUndefined();
  });

  it('every POST documents a required JSON body with an example', () => {
    for (const head of Object.keys(HEADS) as Head[]) {
      for (const { url, method, op } of operations(docs[head])) {
        if (method !== 'post') continue;
        expect(op.requestBody.required, url).toBe(true);
        expect(op.requestBody.content['application/json'].example, `${head} ${url} has an example`).toBeDefined();
      }
    }
  });
});

describe('every route: the documented example answers 200 in the documented shape', () => {
  it.each(Object.keys(HEADS) as Head[])('%s', async (head) => {
    const doc = docs[head];
    for (const { url, method, op } of operations(doc)) {
      const example = op.requestBody?.content['application/json'].example;
      if (example !== undefined) expect(await conforms(doc, op.requestBody.content['application/json'].schema, example)).toBe(true);
      const r = await send(head, method.toUpperCase(), url, example);
      expect(r.status, `${method} ${url}: ${r.text.slice(0, 200)}`).toBe(200);
      const [type, media] = Object.entries(op.responses['200'].content as Json)[0]!;
      expect(r.type.startsWith(type), `${url} answers ${r.type}, documented ${type}`).toBe(true);
      if (type === 'application/json') expect(await conforms(doc, media.schema, r.json()), `${method} ${url}`).toBe(true);
    }
  });
});

/** More valid requests, for the shapes the examples leave out: [head, url, body]. */
const VALID: [Head, string, unknown][] = [
  ['mlm', '/score', { input_data: { columns: ['input_string'], index: [0], data: [['a [MASK] b']] } }],
  ['mlm', '/score', { inputs: { input_string: ['a [MASK] b', 'the [MASK] and the [MASK]'] }, parameters: { top_k: 2 } }],
  ['mlm', '/score', { input_data: { input_string: 'a [MASK] b' }, params: { targets: ['good', 'bad'] } }],
  ['mlm', '/', { inputs: ['a [MASK] b', 'the [MASK] and the [MASK]'], parameters: { topK: 2 } }],
  ['mlm', '/v1/fill-mask', { inputs: 'the [MASK] and the [MASK]', options: { targets: 'good' } }],
  ['mlm', '/v1/embeddings', { input: 'a', encoding_format: 'base64', dimensions: 32, user: 'u' }],
  ['mlm', '/v1/embed', { inputs: ['a', 'b'], options: { normalize: false, truncation: true } }],
  ['mlm', '/v1/embed', { inputs: 'a', options: null }],
  ['mlm', '/', { inputs: 'a [MASK]', parameters: null, options: null }],
  ['mlm', '/v1/tokenize', { inputs: ['a b', 'c'], options: { padding: 'longest', truncation: 'only_first', maxLength: 8, addSpecialTokens: false } }],
  ['sequence-classification', '/', { inputs: ['x', 'y'], parameters: { function_to_apply: 'SOFTMAX', top_k: 2 } }],
  ['sequence-classification', '/v1/classify', { inputs: ['x', 'y'], options: { functionToApply: 'none' } }],
  ['token-classification', '/', { inputs: 'Ada lived in London', parameters: { aggregation_strategy: 'NONE', ignore_labels: [] } }],
  ['token-classification', '/v1/ner', { inputs: ['Ada lived in London'], options: { aggregationStrategy: 'first', ignoreLabels: [] } }],
  ['question-answering', '/', { inputs: { question: 'Where?', context: 'Ada lived in London.' }, parameters: { top_k: 2, max_answer_len: 5 } }],
  ['question-answering', '/v1/qa', { inputs: [{ question: 'Where?', context: 'Ada lived in London.' }], options: { topK: 2, handleImpossibleAnswer: true } }],
  ['base', '/', { inputs: ['hello', 'world'], parameters: { pooling: 'cls', normalize: false } }],
  ['base', '/', { inputs: 'hello', options: { wait_for_model: true } }],
];

/** A short test name for a request. */
const label = <T extends [Head, string, unknown, ...unknown[]]>(cases: T[]): [string, ...T][] =>
  cases.map((c) => [`${c[0]} ${c[1]} ${JSON.stringify(c[2]).slice(0, 90)}`, ...c]);

describe('more valid requests pass the schema, answer 200 and match the documented shape', () => {
  it.each(label(VALID))('%s', async (_name, head, url, body) => {
    const op = docs[head].paths[url].post;
    // The published request schema and the server agree on the sample.
    expect(await conforms(docs[head], op.requestBody.content['application/json'].schema, body)).toBe(true);
    const r = await send(head, 'POST', url, body);
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    const schema = op.responses['200'].content['application/json'].schema;
    expect(await conforms(docs[head], schema, r.json())).toBe(true);
  });
});

const long = 'x'.repeat(LIMITS.maxStringLength + 1);
/** Requests the schemas refuse: [head, url, body, status, code, message]. */
const INVALID: [Head, string, unknown, number, string, RegExp][] = [
  ['mlm', '/score', ({ inputs: { input_string: 5 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string or a non-empty array of strings for inputs\.input_string but received 5$/],
  ['mlm', '/score', ({ inputs: { input_string: ['a [MASK]', 7] } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string for inputs\.input_string\[1\] but received 7$/],
  ['mlm', '/score', ({ inputs: { input_string: Array(5).fill('a [MASK]') } }), 413, 'DBN_INPUT_TOO_LONG', /^inputs\.input_string holds 5 texts, over the 4-text limit; split the request$/],
  ['mlm', '/score', ({ inputs: { input_string: [long] } }), 413, 'DBN_INPUT_TOO_LONG', /^inputs\.input_string\[0\] is 61 characters long, over the 60-character limit$/],
  ['mlm', '/score', ({ inputs: { input_string: ['a\u0000 [MASK]'] } }), 400, 'DBN_INVALID_ARGUMENT', /^inputs\.input_string\[0\] holds a NUL character/],
  ['mlm', '/score', ({ inputs: {} }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string or a non-empty array of strings for inputs\.input_string but received undefined$/],
  ['mlm', '/score', ({ inputs: { input_string: ['a [MASK]'] }, parameters: { top_k: 0 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an integer >= 1 for parameters\.top_k but received 0$/],
  ['mlm', '/score', ({ input_data: { columns: ['x'], data: [['a [MASK]']] } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an array holding "input_string" for input_data\.columns/],
  ['mlm', '/score', ({ input_data: { columns: ['input_string'], data: [[1]] } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string for input_data\.data\[0\]\[0\] but received 1$/],
  ['mlm', '/', ({ inputs: { a: 1 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string or a non-empty array of strings for inputs but received a value of type object$/],
  ['mlm', '/', ({ inputs: 'a [MASK]', parameters: { temperature: 1 } }), 400, 'DBN_INVALID_ARGUMENT', /^Unknown field parameters\.temperature; expected only topK, top_k, targets$/],
  ['mlm', '/', ({ inputs: [] }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a non-empty array of strings for inputs but received an array of length 0$/],
  ['mlm', '/v1/embeddings', ({ model: 'x' }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string or a non-empty array of strings for input but received undefined$/],
  ['mlm', '/v1/embeddings', ({ input: 'x', encoding_format: 'hex' }), 400, 'DBN_INVALID_ARGUMENT', /^Expected "float" or "base64" for encoding_format but received "hex"$/],
  ['mlm', '/v1/embeddings', ({ input: 'x', dimensions: 3 }), 400, 'DBN_INVALID_ARGUMENT', /^Expected 32 for dimensions but received 3$/],
  ['mlm', '/v1/embeddings', ({ input: 'x', model: 5 }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string for model but received 5$/],
  ['mlm', '/v1/fill-mask', ({ inputs: 'a [MASK]', options: 'fast' }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an object or null for options but received "fast"$/],
  ['mlm', '/v1/fill-mask', ({ inputs: 'a [MASK]', options: { topk: 3 } }), 400, 'DBN_INVALID_ARGUMENT', /^Unknown field options\.topk; expected only topK, targets$/],
  ['mlm', '/v1/fill-mask', ({ inputs: 'a [MASK]', options: { topK: 1.5 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an integer >= 1 for options\.topK but received 1\.5$/],
  ['mlm', '/v1/fill-mask', ({ inputs: 'a [MASK]', options: { signal: {} } }), 400, 'DBN_INVALID_ARGUMENT', /^Unknown field options\.signal/],
  ['mlm', '/v1/embed', ({ inputs: 'a', options: { pooling: 'max' } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected "mean", "cls" or "none" for options\.pooling but received "max"$/],
  ['mlm', '/v1/tokenize', ({ inputs: 'a', options: { padding: 'max_length', maxLength: 1e9 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an integer from 0 to 60 for options\.maxLength but received 1000000000$/],
  ['mlm', '/v1/tokenize', ({ inputs: 'a', options: { truncation: 'sometimes' } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected "longest_first", "only_first" or "only_second" for options\.truncation but received "sometimes"$/],
  ['mlm', '/v1/tokenize', ({ inputs: 'a', options: { truncation: 5 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a boolean, "longest_first", "only_first" or "only_second" for options\.truncation but received 5$/],
  ['sequence-classification', '/v1/classify', ({ inputs: 'x', options: { functionToApply: 'tanh' } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected "softmax", "sigmoid" or "none" for options\.functionToApply/],
  ['sequence-classification', '/v1/classify', ({ inputs: 'x', options: { topK: 0 } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an integer >= 1 or null for options\.topK but received 0$/],
  ['token-classification', '/v1/ner', ({ inputs: 'x', options: { ignoreLabels: 'O' } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an array of strings for options\.ignoreLabels but received "O"$/],
  ['token-classification', '/', ({ inputs: 'x', parameters: { aggregation_strategy: 'most' } }), 400, 'DBN_INVALID_ARGUMENT', /for parameters\.aggregation_strategy but received "most"$/],
  ['question-answering', '/v1/qa', ({ inputs: 'x' }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an object or a non-empty array of objects for inputs but received "x"$/],
  ['question-answering', '/v1/qa', ({ inputs: { question: 'a' } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected a string for inputs\.context but received undefined$/],
  ['question-answering', '/v1/qa', ({ inputs: [{ question: 'a', context: 'b', extra: 1 }] }), 400, 'DBN_INVALID_ARGUMENT', /^Unknown field inputs\[0\]\.extra; expected only question, context$/],
  ['question-answering', '/v1/qa', ({ inputs: Array(257).fill({ question: 'a', context: 'b' }) }), 413, 'DBN_INPUT_TOO_LONG', /^inputs holds 257 items, over the 256-item limit/],
  ['question-answering', '/', ({ inputs: 'x' }), 400, 'DBN_INVALID_ARGUMENT', /^Expected an object for inputs but received "x"$/],
  ['base', '/', ({ inputs: 'x', parameters: { pooling: 'max' } }), 400, 'DBN_INVALID_ARGUMENT', /^Expected "none", "mean" or "cls" for parameters\.pooling but received "max"$/],
];

describe('requests the schemas refuse get the package error, status and sentence', () => {
  it.each(label(INVALID))('%s', async (_name, head, url, body, status, code, message) => {
    const published = docs[head].paths[url].post.requestBody.content['application/json'].schema;
    expect(await conforms(docs[head], published, body), 'the published schema refuses it too').not.toBe(true);
    const r = await send(head, 'POST', url, body);
    expect(r.status, r.text).toBe(status);
    expect(r.json().error.code).toBe(code);
    expect(r.json().error.message).toMatch(message);
  });

  it('every documented POST refuses an unknown top-level field and a missing required one', async () => {
    for (const head of Object.keys(HEADS) as Head[]) {
      for (const { url, method, op } of operations(docs[head])) {
        if (method !== 'post') continue;
        const media = op.requestBody.content['application/json'];
        const unknown = await send(head, 'POST', url, { ...media.example, zzz: 1 });
        expect(unknown.status, `${head} ${url}`).toBe(400);
        expect(unknown.json().error.message).toMatch(/^Unknown field body\.zzz; expected only /);
        const required: string[] = media.schema.required ?? [];
        for (const field of required) {
          const { [field]: _gone, ...rest } = media.example;
          const missing = await send(head, 'POST', url, rest);
          expect(missing.status, `${head} ${url} without ${field}`).toBe(400);
          expect(missing.json().error.message).toMatch(new RegExp(`for ${field} but received undefined$`));
        }
      }
    }
  });
});

describe('the schemas follow the library', () => {
  it('every registry option of every task has a schema (none falls back to "checked by the library")', () => {
    for (const task of new Set(Object.values(TASKS).map((t) => t.canonical))) {
      for (const schema of [taskOptionsSchema(task), hfParametersSchema(task)]) {
        for (const [name, s] of Object.entries(schema.properties as Json)) expect(s.description, `${task} ${name}`).not.toBe('Checked by the library');
        const names = Object.keys(TASKS[task].options).filter((n) => n !== 'signal');
        for (const n of names) expect(Object.keys(schema.properties as Json)).toContain(n);
      }
    }
  });

  /** The choices the library itself lists when it rejects a value ("Expected 'a', 'b' or 'c' for ..."). */
  async function libraryChoices(run: () => Promise<unknown>): Promise<string[]> {
    const e = (await run().then(() => null, (err: Error) => err)) as Error | null;
    expect(e, 'the library rejects a bogus choice').not.toBeNull();
    const what = /^Expected (.*) for /.exec(e!.message)?.[1] ?? '';
    return [...what.matchAll(/'([^']+)'/g)].map((m) => m[1]!).sort();
  }
  const schemaChoices = (task: PipelineTask, name: string, hf = false) =>
    [...((hf ? hfParametersSchema(task) : taskOptionsSchema(task)).properties as Json)[name].enum].filter((v: string) => v === v.toLowerCase()).sort();

  it('the choice lists equal the ones the library checks', async () => {
    const bogus = 'bogus' as never;
    const m = (h: Head) => servers[h].model;
    // /v1/embed: embed()'s poolings plus 'none', which the route answers through embedTokens().
    expect(schemaChoices('feature-extraction', 'pooling')).toEqual([...(await libraryChoices(() => m('base').embed('x', { pooling: bogus }))), 'none'].sort());
    expect(schemaChoices('feature-extraction', 'pooling', true)).toEqual(
      await libraryChoices(async () => (await pipeline('feature-extraction', m('base')))('x', { pooling: bogus })),
    );
    expect(schemaChoices('text-classification', 'functionToApply')).toEqual(
      await libraryChoices(() => m('sequence-classification').classify('x', { functionToApply: bogus })),
    );
    expect(schemaChoices('token-classification', 'aggregationStrategy')).toEqual(
      await libraryChoices(() => m('token-classification').tokenClassify('x', { aggregationStrategy: bogus })),
    );
  });
});
