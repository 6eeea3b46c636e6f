/** `GET /health`, `/ready`, `/info`, `/metrics` and `/openapi.json`. */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context';
import type { ServerMetrics } from '../metrics';
import type { RouteDoc } from '../openapi';
import { component } from '../schema';

export interface PackageFacts {
  version: string;
  license: string;
}

export function packageFacts(): PackageFacts {
  // lib/server/routes or dist/server/routes → the package root.
  const file = path.join(__dirname, '..', '..', '..', 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; license: string };
  return { version: pkg.version, license: pkg.license };
}

const READY = component('Ready', { type: 'object', additionalProperties: false, required: ['ready'], properties: { ready: { type: 'boolean' } } });
const STR = { type: 'string' };
const INT = { type: 'integer' };
const INFO = component('Info', {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'architecture', 'task', 'routes', 'labels', 'dtype', 'device', 'engine', 'format', 'threads', 'maxLength', 'dim', 'layers', 'vocabSize', 'version'],
  properties: {
    model: { type: 'string', description: 'The served model id (--model-id, default "distilbert")' },
    architecture: { type: 'string', description: 'The checkpoint head, e.g. DistilBertForMaskedLM' },
    task: { type: 'string', enum: ['fill-mask', 'text-classification', 'token-classification', 'question-answering', 'feature-extraction'], description: 'What POST / speaks' },
    routes: { type: 'array', items: STR, description: 'The /v1 routes this head serves' },
    labels: { type: 'array', items: STR, description: "The head's labels (id2label), in id order" },
    dtype: { type: 'string', enum: ['float32', 'bfloat16'] },
    device: STR,
    engine: { type: 'string', enum: ['native', 'torchscript-forward'] },
    format: { type: 'string', enum: ['safetensors', 'torchscript'] },
    threads: INT,
    maxLength: { type: 'integer', description: 'Position limit in tokens (max_position_embeddings)' },
    dim: INT,
    layers: INT,
    vocabSize: INT,
    version: { type: 'string', description: 'The distilbert-native version' },
  },
});

export interface MetaDocs {
  openapi(): Record<string, unknown>;
}

export function metaRoutes(app: FastifyInstance, ctx: RouteContext, state: { draining: boolean }, metrics: ServerMetrics, docs: MetaDocs, version: string): void {
  const ops = (doc: Omit<RouteDoc, 'tags'>): { config: { doc: RouteDoc } } => ({ config: { doc: { ...doc, tags: ['Operations'] } } });
  app.get(
    '/health',
    ops({
      operationId: 'health',
      summary: 'Liveness: the process answers (never needs the key)',
      response: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', const: 'ok' } } },
    }),
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/ready',
    ops({
      operationId: 'ready',
      summary: 'Readiness: model loaded and not draining (never needs the key)',
      response: READY,
      answers: { 503: { description: 'Draining (shutting down) or the model is disposed: {"ready": false}', schema: READY } },
    }),
    async (_request, reply) => {
      const ready = !state.draining && ctx.model.info.state === 'ready';
      return reply.code(ready ? 200 : 503).send({ ready });
    },
  );
  app.get('/info', ops({ operationId: 'info', summary: 'Model id, head, labels, dtype, device, max length, version', response: INFO }), async () => {
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
  app.get(
    '/metrics',
    ops({ operationId: 'metrics', summary: 'Prometheus text format (prom-client)', response: { type: 'string' }, responseType: 'text/plain' }),
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
  app.get(
    '/openapi.json',
    ops({ operationId: 'openapi', summary: 'This document (OpenAPI 3.1)', response: { type: 'object', description: 'An OpenAPI 3.1 document' } }),
    async () => docs.openapi(),
  );
}
