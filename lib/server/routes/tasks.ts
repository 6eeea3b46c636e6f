/**
 * The rich routes, `/v1/<task>`, each taking `{"inputs": ..., "options": {...}}` with the
 * library's own option names and returning exactly what the library returns. A route the
 * model's head cannot serve answers 404 naming the head it has (and is registered without a
 * body schema, so that 404 comes before any 400, and without a doc: /openapi.json leaves it out).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TASKS, type PipelineTask, type QuestionAnsweringInput, type Tensor } from '../../index';
import type { RouteContext } from '../context';
import { HttpError, sendError } from '../errors';
import type { RouteDoc } from '../openapi';
import type { JsonSchema } from '../schema';
import { TASK_RESULTS, taskOptionsSchema, tokenizeOptionsSchema } from '../taskSchemas';
import type { TaskRoute } from '../tasks';

type Handler = (inputs: unknown, options: Record<string, unknown>, reply: FastifyReply) => Promise<unknown>;

/** The registry task behind each /v1 route (tokenize is the tokenizer's, not a task). */
const TASK_OF = Object.fromEntries(Object.values(TASKS).map((t) => [t.route, t.canonical])) as Record<string, PipelineTask>;

const DOCS: Record<TaskRoute, Pick<RouteDoc, 'summary' | 'example'> & { inference: boolean }> = {
  'fill-mask': { summary: 'Fill the mask: candidates per mask (library fillMask)', inference: true, example: { inputs: ['The [MASK] sat.'], options: { topK: 3 } } },
  classify: { summary: 'Sequence classification: labels and scores (library classify)', inference: true, example: { inputs: 'I love it', options: { topK: null } } },
  ner: { summary: 'Token classification: entities (library tokenClassify)', inference: true, example: { inputs: 'Ada lived in London', options: { aggregationStrategy: 'simple' } } },
  qa: { summary: 'Extractive question answering (library answerQuestion)', inference: true, example: { inputs: { question: 'Where?', context: 'Ada lived in London.' } } },
  embed: { summary: 'Sentence embeddings from any checkpoint (library embed)', inference: true, example: { inputs: 'hello', options: { pooling: 'cls' } } },
  tokenize: { summary: 'WordPiece ids, tokens and offsets (library tokenizer.encode)', inference: false, example: { inputs: 'Hello world' } },
};

function bodySchema(ctx: RouteContext, route: TaskRoute): JsonSchema {
  const { texts, qaInput } = ctx.schemas;
  const inputs =
    route === 'qa'
      ? {
          type: ['object', 'array'],
          anyOf: [qaInput, { type: 'array', items: qaInput, minItems: 1, maxItems: ctx.limits.maxInputs }],
          description: `One {question, context} (one result) or 1 to ${ctx.limits.maxInputs} of them (a result each)`,
        }
      : texts;
  const options = route === 'tokenize' ? tokenizeOptionsSchema(ctx.limits.maxStringLength) : taskOptionsSchema(TASK_OF[route]!);
  return { type: 'object', additionalProperties: false, required: ['inputs'], properties: { inputs, options } };
}

export function taskRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { model } = ctx;
  const texts = (inputs: unknown) => inputs as string[];
  const handlers: Record<TaskRoute, Handler> = {
    'fill-mask': (inputs, options, reply) => ctx.call(reply, (signal) => model.fillMask(texts(inputs), { ...options, signal })),
    classify: (inputs, options, reply) => ctx.call(reply, (signal) => model.classify(texts(inputs), { ...options, signal })),
    ner: (inputs, options, reply) => ctx.call(reply, (signal) => model.tokenClassify(texts(inputs), { ...options, signal })),
    qa: (inputs, options, reply) => ctx.call(reply, (signal) => model.answerQuestion(inputs as QuestionAnsweringInput, { ...options, signal })),
    embed: async (inputs, options, reply) => {
      if (options.pooling === 'none') {
        // Every token's vector (model.embedTokens), [tokens][dim] per input and unpadded;
        // normalized unless asked otherwise, as every vector this route returns.
        const { pooling: _, ...rest } = options;
        const out = await ctx.call(reply, (signal) => model.embedTokens(texts(inputs), { normalize: true, ...rest, signal }));
        return Array.isArray(out) ? out.map((t) => t.tolist()) : (out as Tensor).tolist();
      }
      const out = await ctx.call(reply, (signal) => model.embed(texts(inputs), { ...options, signal }));
      return Array.isArray(out) ? out.map((v) => Array.from(v)) : Array.from(out as Float32Array);
    },
    tokenize: async (inputs, options) => {
      const one = (t: string) => {
        const e = model.tokenizer.encode(t, undefined, options);
        return { ids: e.ids, tokens: e.tokens, offsets: e.offsets };
      };
      return typeof inputs === 'string' ? one(inputs) : (inputs as string[]).map(one);
    },
  };
  for (const [route, handler] of Object.entries(handlers) as [TaskRoute, Handler][]) {
    const served = ctx.served.routes.includes(route);
    const { inference, ...doc } = DOCS[route];
    const options = served
      ? {
          schema: { body: bodySchema(ctx, route) },
          config: {
            doc: {
              ...doc,
              operationId: route === 'fill-mask' ? 'fillMask' : route,
              description: `Takes the library's option names (camelCase) and answers exactly what the library returns.`,
              tags: ['Tasks'],
              inference,
              ...(route === 'fill-mask' ? { notes: { 400: 'DBN_NO_MASK: a text without the mask token' } } : {}),
              response: TASK_RESULTS[route]!,
            } satisfies RouteDoc,
          },
        }
      : {};
    app.post(`/v1/${route}`, options, async (request, reply) => {
      try {
        if (!served) {
          throw new HttpError(404, 'DBN_UNSUPPORTED_MODEL', `/v1/${route} is not served by this model: its head is ${ctx.served.architecture} (${ctx.served.task}); it serves ${ctx.served.routes.map((r) => '/v1/' + r).join(', ')}`);
        }
        const body = request.body as { inputs: unknown; options?: Record<string, unknown> | null };
        return await handler(body.inputs, { ...body.options }, reply);
      } catch (e) {
        return sendError(reply, e);
      }
    });
  }
}
