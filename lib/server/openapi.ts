/**
 * /openapi.json: an OpenAPI 3.1 document of the routes this server registered with a `doc`,
 * built from the same body schemas fastify validates with (schema.ts), so what it says a
 * request may be is what the server takes. Error answers and their statuses follow from what
 * a route does (reads a body, runs inference, needs the key); see ERROR_STATUSES.
 */
import { componentName, ERROR_SCHEMA, type JsonSchema } from './schema';

/** What a route says about itself, in its fastify `config.doc`. */
export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** The 200 answer's schema. */
  response: JsonSchema;
  /** Its media type; default application/json. */
  responseType?: string;
  responseDescription?: string;
  /** Runs the model through the batcher: a full queue (429), the timeout (504), the model's own limits and state. */
  inference?: boolean;
  /** Added to a status's standard description (e.g. `{ 400: 'no [MASK] → DBN_NO_MASK' }`). */
  notes?: Readonly<Record<number, string>>;
  /** Statuses answered with a body of their own instead of the error shape (e.g. /ready's 503). */
  answers?: Readonly<Record<number, { description: string; schema: JsonSchema }>>;
  /** A request body that the route answers 200 (test/server/openapi.test.ts sends each). */
  example?: unknown;
}

export interface DocumentedRoute {
  method: string;
  url: string;
  doc: RouteDoc;
  /** The schema fastify validates the JSON body with. */
  body?: JsonSchema;
  /** Whether the route needs the API key when one is set. */
  needsKey: boolean;
}

export interface DocumentFacts {
  version: string;
  license: string;
  modelId: string;
  architecture: string;
  task: string;
  /** /v1 (and /score) routes this head cannot serve: they answer 404 and are left out. */
  unserved: string[];
  apiKey: boolean;
  bodyLimit: number;
  bodyTimeoutMs: number;
  maxDepth: number;
  timeoutMs: number;
}

type Why = (f: DocumentFacts, r: DocumentedRoute) => string;

/** Every error status, when a route can answer it, and what it means. */
const ERROR_STATUSES: { status: number; when: (r: DocumentedRoute, f: DocumentFacts) => boolean; why: Why; headers?: Record<string, unknown> }[] = [
  {
    status: 400,
    when: (r) => r.body !== undefined,
    why: (f) => `DBN_INVALID_ARGUMENT: malformed JSON, JSON nested deeper than ${f.maxDepth}, a field missing, unknown or of the wrong type or value, a NUL character in a text`,
  },
  {
    status: 401,
    when: (r, f) => f.apiKey && r.needsKey,
    why: () => 'DBN_INVALID_ARGUMENT: missing or wrong API key; send Authorization: Bearer KEY',
    headers: { 'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } } },
  },
  {
    status: 408,
    when: (r) => r.body !== undefined,
    why: (f) => `DBN_INVALID_ARGUMENT: the body was not received within ${f.bodyTimeoutMs} ms`,
  },
  {
    status: 413,
    when: (r) => r.body !== undefined,
    why: (f, r) =>
      `DBN_INPUT_TOO_LONG: a body over ${f.bodyLimit} bytes, more texts or characters than the schema's maxItems / maxLength` +
      (r.doc.inference ? ", or a text over the model's token limit without truncation" : ''),
  },
  {
    status: 415,
    when: (r) => r.body !== undefined,
    why: () => 'DBN_INVALID_ARGUMENT: Content-Type is not application/json',
  },
  {
    status: 429,
    when: (r) => r.doc.inference === true,
    why: () => 'DBN_OVERLOADED: the queue is full; retry after Retry-After seconds (or on another replica)',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  },
  {
    status: 503,
    when: () => true,
    why: () => 'DBN_DISPOSED / DBN_ABORTED / DBN_OUT_OF_MEMORY: the server is shutting down or the model cannot run now; retry on another replica',
  },
  {
    status: 504,
    when: (r) => r.doc.inference === true,
    why: (f) => `DBN_ABORTED: the request took longer than ${f.timeoutMs} ms and its queued work was cancelled`,
  },
];

/**
 * A copy of `schema` for the document: every named component (schema.ts's `component`) becomes
 * a `$ref`, its one copy collected in `components`.
 */
function publish(schema: unknown, components: Map<string, { source: object; copy: unknown }>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => publish(s, components));
  if (schema === null || typeof schema !== 'object') return schema;
  const name = componentName(schema);
  if (name === undefined) return copyObject(schema as JsonSchema, components);
  const seen = components.get(name);
  if (seen && seen.source !== schema) throw new Error(`two different schemas are both named ${name}`);
  if (!seen) {
    const slot: { source: object; copy: unknown } = { source: schema, copy: undefined };
    components.set(name, slot);
    slot.copy = copyObject(schema as JsonSchema, components);
  }
  return { $ref: `#/components/schemas/${name}` };
}

function copyObject(schema: JsonSchema, components: Map<string, { source: object; copy: unknown }>): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = publish(v, components);
  return out;
}

const json = (schema: unknown) => ({ 'application/json': { schema } });

export function buildOpenApi(routes: readonly DocumentedRoute[], facts: DocumentFacts): Record<string, unknown> {
  const components = new Map<string, { source: object; copy: unknown }>();
  const error = publish(ERROR_SCHEMA, components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const { doc } = r;
    const responses: Record<string, unknown> = {
      '200': {
        description: doc.responseDescription ?? 'OK',
        content: { [doc.responseType ?? 'application/json']: { schema: publish(doc.response, components) } },
      },
    };
    for (const e of ERROR_STATUSES) {
      if (!e.when(r, facts)) continue;
      const note = doc.notes?.[e.status];
      responses[String(e.status)] = {
        description: note ? `${e.why(facts, r)}; ${note}` : e.why(facts, r),
        ...(e.headers ? { headers: e.headers } : {}),
        content: json(error),
      };
    }
    for (const [status, answer] of Object.entries(doc.answers ?? {})) {
      responses[status] = { description: answer.description, content: json(publish(answer.schema, components)) };
    }
    responses.default = { description: 'DBN_INTERNAL (500): a fault of the server, not of the request', content: json(error) };
    const op: Record<string, unknown> = {
      operationId: doc.operationId,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: doc.tags,
      ...(facts.apiKey && !r.needsKey ? { security: [] } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: publish(r.body, components), ...(doc.example !== undefined ? { example: doc.example } : {}) } },
            },
          }
        : {}),
      responses,
    };
    (paths[r.url] ??= {})[r.method.toLowerCase()] = op;
  }
  const unserved = facts.unserved.length
    ? ` Routes this head cannot serve answer 404 DBN_UNSUPPORTED_MODEL and are left out here: ${facts.unserved.join(', ')}.`
    : '';
  return {
    openapi: '3.1.0',
    info: {
      title: 'distilbert-native',
      version: facts.version,
      description:
        `DistilBERT served by distilbert-native ${facts.version}: ${facts.modelId} (${facts.architecture}, task ${facts.task}).${unserved} ` +
        'Every error answer is {"error": {"code", "message"}} with a code from the package\'s closed list. ' +
        `Request bodies are JSON (Content-Type application/json), at most ${facts.bodyLimit} bytes, nested at most ${facts.maxDepth} deep.`,
      license: { name: facts.license, identifier: facts.license },
    },
    servers: [{ url: '/', description: 'This server' }],
    paths,
    components: {
      schemas: Object.fromEntries([...components].sort(([a], [b]) => a.localeCompare(b)).map(([name, slot]) => [name, slot.copy])),
      ...(facts.apiKey ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The key given to --api-key (or DBN_API_KEY)' } } } : {}),
    },
    ...(facts.apiKey ? { security: [{ bearer: [] }] } : {}),
  };
}
