/**
 * Checks on an OpenAPI 3.1 document without a validator library: its structure (what the spec
 * requires of paths, operations, responses and security), that every `$ref` resolves, that every
 * schema is an object with a `type` (or a `$ref`), and a JSON Schema check of values against the
 * document's schemas through a throwaway fastify (its own Ajv, the server's options).
 */
import Fastify from 'fastify';
import { AJV_OPTIONS } from '../../lib/server/validation';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'];
const TOP_LEVEL = ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs'];

/** Every schema node of a schema, with its path (JSON Schema applicators only). */
function* schemaNodes(schema: unknown, where: string): Generator<[string, unknown]> {
  yield [where, schema];
  if (schema === null || typeof schema !== 'object') return;
  const s = schema as Json;
  for (const [k, v] of Object.entries(s.properties ?? {})) yield* schemaNodes(v, `${where}.properties.${k}`);
  for (const k of ['items', 'contains', 'propertyNames', 'not']) if (k in s) yield* schemaNodes(s[k], `${where}.${k}`);
  if (typeof s.additionalProperties === 'object') yield* schemaNodes(s.additionalProperties, `${where}.additionalProperties`);
  for (const k of ['anyOf', 'oneOf', 'allOf']) {
    const list = s[k] ?? [];
    for (let i = 0; i < list.length; i++) yield* schemaNodes(list[i], `${where}.${k}[${i}]`);
  }
}

/** Every schema position of the document: components, request bodies, responses, headers. */
export function* documentSchemas(doc: Json): Generator<[string, unknown]> {
  for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) yield* schemaNodes(s, `components.schemas.${name}`);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Json)) {
      const at = `paths.${path}.${method}`;
      for (const [type, media] of Object.entries((op as Json).requestBody?.content ?? {})) yield* schemaNodes((media as Json).schema, `${at}.requestBody.${type}`);
      for (const [status, r] of Object.entries((op as Json).responses ?? {})) {
        for (const [type, media] of Object.entries((r as Json).content ?? {})) yield* schemaNodes((media as Json).schema, `${at}.responses.${status}.${type}`);
        for (const [h, header] of Object.entries((r as Json).headers ?? {})) yield* schemaNodes((header as Json).schema, `${at}.responses.${status}.headers.${h}`);
      }
    }
  }
}

function* refs(value: unknown, where = '#'): Generator<[string, string]> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* refs(value[i], `${where}/${i}`);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') yield [where, v];
      else yield* refs(v, `${where}/${k}`);
    }
  }
}

function resolve(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(part in (at as Json))) return undefined;
    at = (at as Json)[part];
  }
  return at;
}

/** Everything wrong with the document's structure; empty when it is a well-formed OpenAPI 3.1 document. */
export function openApiProblems(doc: Json): string[] {
  const problems: string[] = [];
  const bad = (what: string) => problems.push(what);
  if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi)) bad(`openapi is ${doc.openapi}, not 3.1.x`);
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.includes(k) && !k.startsWith('x-')) bad(`unknown top-level field ${k}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') bad('info needs a title and a version');
  if (doc.info?.license && typeof doc.info.license.name !== 'string') bad('info.license needs a name');
  for (const s of doc.servers ?? []) if (typeof s.url !== 'string') bad('every server needs a url');
  const schemes = doc.components?.securitySchemes ?? {};
  const checkSecurity = (security: unknown, at: string) => {
    if (security === undefined) return;
    if (!Array.isArray(security)) return bad(`${at}: security is not an array`);
    for (const req of security) for (const name of Object.keys(req)) if (!(name in schemes)) bad(`${at}: security names undefined scheme ${name}`);
  };
  checkSecurity(doc.security, 'document');
  for (const [name, scheme] of Object.entries(schemes)) {
    const s = scheme as Json;
    if (!['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(s.type)) bad(`securityScheme ${name} has type ${s.type}`);
    if (s.type === 'http' && typeof s.scheme !== 'string') bad(`securityScheme ${name} needs a scheme`);
  }
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/')) bad(`path ${path} does not start with /`);
    for (const [method, operation] of Object.entries(item as Json)) {
      const at = `${method.toUpperCase()} ${path}`;
      if (!METHODS.includes(method)) { bad(`${at}: not an HTTP method`); continue; }
      const op = operation as Json;
      if (typeof op.operationId === 'string') {
        if (ids.has(op.operationId)) bad(`${at}: operationId ${op.operationId} is not unique`);
        ids.add(op.operationId);
      }
      checkSecurity(op.security, at);
      if (op.requestBody && (typeof op.requestBody.content !== 'object' || Object.keys(op.requestBody.content).length === 0)) bad(`${at}: requestBody without content`);
      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) bad(`${at}: no responses`);
      for (const [status, response] of responses) {
        if (!/^[1-5](\d\d|XX)$/.test(status) && status !== 'default') bad(`${at}: response key ${status}`);
        if (typeof (response as Json).description !== 'string') bad(`${at} ${status}: response without a description`);
      }
      if (!responses.some(([s]) => /^2/.test(s))) bad(`${at}: no success response`);
    }
  }
  for (const [where, ref] of refs(doc)) if (resolve(doc, ref) === undefined) bad(`${where}: $ref ${ref} does not resolve`);
  for (const [where, schema] of documentSchemas(doc)) {
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) { bad(`${where}: schema is not an object`); continue; }
    const s = schema as Json;
    if ('$ref' in s) continue;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.length === 0 || types.some((t: unknown) => !TYPES.includes(t as string))) bad(`${where}: schema without a valid type (${JSON.stringify(s.type)})`);
    if ('nullable' in s) bad(`${where}: nullable is OpenAPI 3.0, not 3.1`);
  }
  return problems;
}

/** Rewrites the document's component refs to `$defs`, so Ajv can compile a schema on its own. */
function standalone(doc: Json, schema: unknown): Json {
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/components/schemas/', '#/$defs/') : rewrite(x)]),
    );
  };
  return { type: TYPES, allOf: [rewrite(schema)], $defs: rewrite(doc.components?.schemas ?? {}) as Json };
}

/** Whether `value` is valid under `schema` (a schema of `doc`, refs and all); the first error otherwise. */
export async function conforms(doc: Json, schema: unknown, value: unknown): Promise<true | string> {
  const app = Fastify({ ajv: AJV_OPTIONS });
  app.post('/check', { schema: { body: standalone(doc, schema) } }, async () => ({ ok: true }));
  app.setErrorHandler((e, _q, reply) => reply.code(422).send({ message: e.message }));
  try {
    const r = await app.inject({ method: 'POST', url: '/check', payload: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
    return r.statusCode === 200 ? true : (r.json() as { message: string }).message;
  } finally {
    await app.close();
  }
}
