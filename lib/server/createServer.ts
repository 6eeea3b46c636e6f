/**
 * The HTTP server around one loaded model: fastify, the JSON parser with limits, request
 * validation on the routes' JSON schemas, auth, CORS, metrics, every route module, and the
 * OpenAPI document of them. Stateless between requests: replicas are the scale-out.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Model } from '../index';
import { installAuth, needsKey } from './auth';
import { installJsonParser, type BodyLimits } from './body';
import { makeCall, type RouteContext } from './context';
import { HttpError, sendError } from './errors';
import { createMetrics } from './metrics';
import { buildOpenApi, type DocumentedRoute, type RouteDoc } from './openapi';
import { hfInferenceRoute } from './routes/hfInference';
import { metaRoutes, packageFacts } from './routes/meta';
import { openaiRoute } from './routes/openai';
import { playgroundRoutes } from './routes/playground';
import { scoreRoute } from './routes/score';
import { taskRoutes } from './routes/tasks';
import { textSchemas, type InputLimits, type JsonSchema } from './schema';
import { servedTasks } from './tasks';
import { AJV_OPTIONS, validationError } from './validation';

export interface ServerOptions extends Partial<BodyLimits>, Partial<InputLimits> {
  /** Name in /info and OpenAI responses; default "distilbert". */
  modelId?: string;
  /** Require `Authorization: Bearer KEY` on every route but /health, /ready and the playground's page and static files. */
  apiKey?: string;
  /** Allow this browser origin (Access-Control-Allow-Origin); no CORS headers without it. */
  cors?: string;
  /** Per-request inference timeout in ms; default 30,000 (→ 504, queued work cancelled). */
  timeoutMs?: number;
  /** fastify's logger; default off. */
  logger?: boolean;
}

export interface DistilBertServer {
  app: FastifyInstance;
  /** Turns /ready false (a load balancer stops sending) before close(). */
  drain(): void;
}

export async function createServer(model: Model, options: ServerOptions = {}): Promise<DistilBertServer> {
  const bodyLimits: BodyLimits = {
    bodyLimit: options.bodyLimit ?? 1 << 20,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    maxDepth: options.maxDepth ?? 16,
  };
  const limits: InputLimits = { maxInputs: options.maxInputs ?? 256, maxStringLength: options.maxStringLength ?? 100_000 };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: bodyLimits.bodyLimit,
    // Node's own backstop for a request whose headers never finish.
    requestTimeout: bodyLimits.bodyTimeoutMs * 2,
    // Requests that arrive while closing get the package's 503 (the hook below), not fastify's own body.
    return503OnClosing: false,
    ajv: AJV_OPTIONS,
    schemaErrorFormatter: (errors, context) => validationError(errors, context),
    // Not 'idle': fastify then destroys connections it sees as idle at close, and a request
    // already received could lose its connection (seen in test/server/lifecycle.test.ts about
    // one run in five). Node's own server.close() closes truly idle keep-alive sockets.
    forceCloseConnections: false,
  });
  const state = { draining: false, closing: false };
  const metrics = createMetrics(model);
  const documented: DocumentedRoute[] = [];
  // POST routes without a doc are the ones this head cannot serve (they answer 404).
  const unserved: string[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const doc = (r.config as { doc?: RouteDoc } | undefined)?.doc;
    const body = (r.schema as { body?: JsonSchema } | undefined)?.body;
    if (doc) for (const m of methods) if (m !== 'HEAD') documented.push({ method: m, url: r.url, doc, body, needsKey: needsKey(m, r.url) });
    if (!doc && methods.includes('POST')) unserved.push(r.url);
  });
  app.addHook('preClose', async () => void (state.closing = true));
  // A request accepted before the close is answered with `Connection: close`: its keep-alive
  // socket then ends after the answer, so server.close() (which closes only the sockets idle
  // when it is called) finishes instead of waiting out the grace period on a client's pool.
  app.addHook('onSend', async (_request, reply) => {
    if (state.closing || state.draining) reply.header('connection', 'close');
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (state.closing) {
      return sendError(reply, new HttpError(503, 'DBN_DISPOSED', 'The server is shutting down; retry on another replica', { connection: 'close' }));
    }
  });
  // Counted from the headers to the answer (or the client's abort), once each.
  const open = new WeakMap<object, string>();
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? 'unmatched';
    open.set(request.raw, route);
    metrics.inFlight.inc({ route });
  });
  const settle = (request: { raw: object }) => {
    const route = open.get(request.raw);
    if (route !== undefined && open.delete(request.raw)) metrics.inFlight.dec({ route });
  };
  app.addHook('onRequestAbort', async (request) => settle(request));
  installJsonParser(app, bodyLimits);
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(new HttpError(415, 'DBN_INVALID_ARGUMENT', `Expected Content-Type application/json but received ${request.headers['content-type'] ?? 'none'}`), undefined);
  });

  if (options.cors) {
    const origin = options.cors;
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers.origin !== origin) return;
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        return reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .send();
      }
    });
  }
  if (options.apiKey) installAuth(app, options.apiKey);
  app.addHook('onResponse', async (request, reply) => {
    settle(request);
    metrics.observe(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HttpError(404, 'DBN_INVALID_ARGUMENT', `No route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`)),
  );

  const timeoutMs = options.timeoutMs ?? 30_000;
  const ctx: RouteContext = {
    model,
    modelId: options.modelId ?? 'distilbert',
    served: servedTasks(model),
    limits,
    schemas: textSchemas(limits),
    call: makeCall(timeoutMs),
  };
  const pkg = packageFacts();
  let document: Record<string, unknown> | undefined;
  scoreRoute(app, ctx);
  hfInferenceRoute(app, ctx);
  openaiRoute(app, ctx);
  taskRoutes(app, ctx);
  metaRoutes(app, ctx, state, metrics, { openapi: () => document! }, pkg.version);
  await playgroundRoutes(app);
  await app.ready();
  // Built once every route is registered (and every schema compiled): a fault here fails startup, not a request.
  document = buildOpenApi(documented, {
    ...pkg,
    modelId: ctx.modelId,
    architecture: ctx.served.architecture,
    task: ctx.served.task,
    unserved,
    apiKey: Boolean(options.apiKey),
    ...bodyLimits,
    timeoutMs,
  });
  return { app, drain: () => void (state.draining = true) };
}
