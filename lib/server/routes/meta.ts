/** `GET /health`, `/ready`, `/info`, `/metrics` and `/openapi.json`. */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context';
import type { ServerMetrics } from '../metrics';

export interface DocumentedRoute {
  method: string;
  url: string;
  summary: string;
}

function packageVersion(): string {
  // lib/server/routes or dist/server/routes → the package root.
  const file = path.join(__dirname, '..', '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export function metaRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  state: { draining: boolean },
  metrics: ServerMetrics,
  documented: DocumentedRoute[],
): void {
  const version = packageVersion();
  app.get('/health', { config: { summary: 'Liveness: the process answers' } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { summary: 'Readiness: model loaded and not draining (503 while shutting down)' } }, async (_request, reply) => {
    const ready = !state.draining && ctx.model.info.state === 'ready';
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/info', { config: { summary: 'Model id, head, labels, dtype, device, max length, version' } }, async () => {
    const info = ctx.model.info;
    return {
      model: ctx.modelId,
      architecture: ctx.served.architecture,
      task: ctx.served.task,
      routes: ctx.served.routes.map((r) => `/v1/${r}`),
      labels: ctx.served.labels,
      dtype: info.dtype,
      device: info.device,
      engine: info.engine,
      format: info.format,
      threads: info.threads,
      maxLength: info.config.maxPositionEmbeddings,
      dim: info.config.dim,
      layers: info.config.nLayers,
      vocabSize: info.config.vocabSize,
      version,
    };
  });
  app.get('/metrics', { config: { summary: 'Prometheus text format' } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get('/openapi.json', { config: { summary: 'This document' } }, async () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of documented) {
      const op: Record<string, unknown> = {
        summary: r.summary,
        responses: { '200': { description: 'OK' }, default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      };
      if (r.method === 'POST') op.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object' } } } };
      (paths[r.url] ??= {})[r.method.toLowerCase()] = op;
    }
    return {
      openapi: '3.0.3',
      info: { title: 'distilbert-native', version, description: `Serving ${ctx.modelId} (${ctx.served.architecture})` },
      paths,
      components: {
        schemas: {
          Error: {
            type: 'object',
            properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
          },
        },
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    };
  });
}
