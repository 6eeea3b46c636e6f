/**
 * `POST /v1/embeddings`, OpenAI-compatible: `input` (string or array), `model`,
 * `encoding_format` float or base64 (little-endian float32, what the official client asks for
 * by default), `usage.prompt_tokens` counted with the model's tokenizer.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context';
import { sendError } from '../errors';
import type { RouteDoc } from '../openapi';
import { component, VECTOR_SCHEMA, type JsonSchema } from '../schema';

interface EmbeddingsBody {
  input: string | string[];
  model?: string;
  encoding_format?: 'float' | 'base64';
}

function bodySchema(ctx: RouteContext): JsonSchema {
  const dim = ctx.model.info.config.dim;
  return component('EmbeddingsRequest', {
    type: 'object',
    additionalProperties: false,
    required: ['input'],
    properties: {
      input: ctx.schemas.texts,
      model: { type: 'string', description: 'Echoed in the answer; this server has one model' },
      encoding_format: { type: 'string', enum: ['float', 'base64'], description: "'base64': little-endian float32 bytes (the official client's default). Default 'float'" },
      dimensions: { type: 'integer', const: dim, description: `This model's embedding size, ${dim}; any other value is refused` },
      user: { type: 'string', description: 'Accepted and ignored' },
    },
  });
}

const RESPONSE = component('EmbeddingsResponse', {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'data', 'model', 'usage'],
  properties: {
    object: { type: 'string', const: 'list' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'index', 'embedding'],
        properties: {
          object: { type: 'string', const: 'embedding' },
          index: { type: 'integer' },
          embedding: { type: ['array', 'string'], anyOf: [VECTOR_SCHEMA, { type: 'string', description: 'base64 of little-endian float32' }] },
        },
      },
    },
    model: { type: 'string' },
    usage: {
      type: 'object',
      additionalProperties: false,
      required: ['prompt_tokens', 'total_tokens'],
      properties: { prompt_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } },
    },
  },
});

const DOC: RouteDoc = {
  operationId: 'createEmbedding',
  summary: 'OpenAI embeddings contract (mean-pooled, L2-normalized)',
  description: "What the openai client posts with baseURL http://HOST/v1. usage counts the model's tokens (capped at its position limit per input).",
  tags: ['OpenAI'],
  inference: true,
  response: RESPONSE,
  example: { input: ['a', 'b'], model: 'distilbert' },
};

export function openaiRoute(app: FastifyInstance, ctx: RouteContext): void {
  const maxLength = ctx.model.info.config.maxPositionEmbeddings;
  app.post('/v1/embeddings', { schema: { body: bodySchema(ctx) }, config: { doc: DOC } }, async (request, reply) => {
    try {
      const body = request.body as EmbeddingsBody;
      const texts = typeof body.input === 'string' ? [body.input] : body.input;
      const format = body.encoding_format ?? 'float';
      const vectors = await ctx.call(reply, (signal) => ctx.model.embed(texts, { signal }));
      const tokens = ctx.model.tokenizer
        .encodeBatch(texts)
        .reduce((n, e) => n + Math.min(e.ids.length, maxLength), 0);
      return {
        object: 'list',
        data: vectors.map((v, index) => ({
          object: 'embedding',
          index,
          embedding: format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
        })),
        model: body.model ?? ctx.modelId,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    } catch (e) {
      return sendError(reply, e);
    }
  });
}
