/**
 * The HTTP server around one loaded model: fastify, the JSON parser with limits, auth, CORS,
 * metrics, and every route module. Stateless between requests: replicas are the scale-out.
 */
import crypto from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Model } from '../index';
import { installJsonParser, type BodyLimits } from './body';
import { makeCall, type RouteContext } from './context';
import { HttpError, sendError } from './errors';
import type { InputLimits } from './input';
import { createMetrics } from './metrics';
import { hfInferenceRoute } from './routes/hfInference';
import { metaRoutes, type DocumentedRoute } from './routes/meta';
import { openaiRoute } from './routes/openai';
import { playgroundRoutes } from './routes/playground';
import { scoreRoute } from './routes/score';
import { taskRoutes } from './routes/tasks';
import { servedTasks } from './tasks';

export interface ServerOptions extends Partial<BodyLimits>, Partial<InputLimits> {
  /** Name in /info and OpenAI responses; default "distilbert". */
  modelId?: string;
  /** Require `Authorization: Bearer KEY` on every route but /health, /ready and the playground's static files. */
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

const OPEN = new Set(['/health', '/ready', '/']);

function keyMatches(header: string | undefined, key: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  // Fixed-length digests so the comparison takes the same time whatever was sent.
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(key).digest();
  return crypto.timingSafeEqual(a, b) && given.length > 0;
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
    return503OnClosing: true,
    // Not 'idle': fastify then destroys connections it sees as idle at close, and a request
    // already received could lose its connection (seen in test/server/lifecycle.test.ts about
    // one run in five). Node's own server.close() closes truly idle keep-alive sockets.
    forceCloseConnections: false,
  });
  const state = { draining: false };
  const metrics = createMetrics(model);
  const documented: DocumentedRoute[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const summary = (r.config as { summary?: string } | undefined)?.summary;
    if (summary) for (const m of methods) if (m !== 'HEAD') documented.push({ method: m, url: r.url, summary });
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
  if (options.apiKey) {
    const key = options.apiKey;
    app.addHook('onRequest', async (request, reply) => {
      const url = request.url.split('?')[0]!;
      if (OPEN.has(url) && (url !== '/' || request.method === 'GET')) return;
      if (url.startsWith('/playground/') && request.method === 'GET') return;
      if (request.method === 'OPTIONS') return;
      if (!keyMatches(request.headers.authorization, key)) {
        return sendError(reply, new HttpError(401, 'DBN_INVALID_ARGUMENT', 'Missing or wrong API key; send Authorization: Bearer KEY', { 'www-authenticate': 'Bearer' }));
      }
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    settle(request);
    metrics.observe(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HttpError(404, 'DBN_INVALID_ARGUMENT', `No route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`)),
  );

  const ctx: RouteContext = {
    model,
    modelId: options.modelId ?? 'distilbert',
    served: servedTasks(model),
    limits,
    call: makeCall(options.timeoutMs ?? 30_000),
  };
  scoreRoute(app, ctx);
  hfInferenceRoute(app, ctx);
  openaiRoute(app, ctx);
  taskRoutes(app, ctx);
  metaRoutes(app, ctx, state, metrics, documented);
  await playgroundRoutes(app);
  await app.ready();
  return { app, drain: () => void (state.draining = true) };
}
