/**
 * `POST /v1/embeddings`, OpenAI-compatible: `input` (string or array), `model`,
 * `encoding_format` float or base64 (little-endian float32, what the official client asks for
 * by default), `usage.prompt_tokens` counted with the model's tokenizer.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context';
import { HttpError, invalidArgumentError, sendError } from '../errors';
import { checkObject, checkTexts, onlyKeys } from '../input';

export function openaiRoute(app: FastifyInstance, ctx: RouteContext): void {
  const maxLength = ctx.model.info.config.maxPositionEmbeddings;
  app.post('/v1/embeddings', { config: { summary: 'OpenAI embeddings contract (mean-pooled, L2-normalized)' } }, async (request, reply) => {
    try {
      const body = checkObject(request.body, 'body');
      onlyKeys(body, ['input', 'model', 'encoding_format', 'dimensions', 'user'], 'body');
      const { texts } = checkTexts(body.input, 'input', ctx.limits);
      const format = body.encoding_format ?? 'float';
      if (format !== 'float' && format !== 'base64') throw invalidArgumentError('"float" or "base64"', 'encoding_format', format);
      const dim = ctx.model.info.config.dim;
      if (body.dimensions !== undefined && body.dimensions !== dim) {
        throw new HttpError(400, 'DBN_INVALID_ARGUMENT', `This model's embeddings have ${dim} dimensions; leave out dimensions or send ${dim}`);
      }
      if (body.model !== undefined && typeof body.model !== 'string') throw invalidArgumentError('a string', 'model', body.model);
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
        model: typeof body.model === 'string' ? body.model : ctx.modelId,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    } catch (e) {
      return sendError(reply, e);
    }
  });
}
