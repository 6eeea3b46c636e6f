/**
 * The rich routes, `/v1/<task>`, each taking `{"inputs": ..., "options": {...}}` with the
 * library's own option names and returning exactly what the library returns. A route the
 * model's head cannot serve answers 404 naming the head it has.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Tensor } from '../../index';
import type { RouteContext } from '../context';
import { HttpError, invalidArgumentError, sendError } from '../errors';
import { checkObject, checkText, checkTexts, onlyKeys } from '../input';
import type { TaskRoute } from '../tasks';

type Handler = (inputs: unknown, options: Record<string, unknown>, reply: FastifyReply) => Promise<unknown>;

export function taskRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { model, limits } = ctx;
  const texts = (inputs: unknown) => {
    const { texts: list, single } = checkTexts(inputs, 'inputs', limits);
    return single ? list[0]! : list;
  };
  const qaInput = (v: unknown, name: string) => {
    const o = checkObject(v, name);
    onlyKeys(o, ['question', 'context'], name);
    return { question: checkText(o.question, `${name}.question`, limits), context: checkText(o.context, `${name}.context`, limits) };
  };
  const handlers: Record<TaskRoute, Handler> = {
    'fill-mask': (inputs, options, reply) => ctx.call(reply, (signal) => model.fillMask(texts(inputs) as string[], { ...options, signal })),
    classify: (inputs, options, reply) => ctx.call(reply, (signal) => model.classify(texts(inputs) as string[], { ...options, signal })),
    ner: (inputs, options, reply) => ctx.call(reply, (signal) => model.tokenClassify(texts(inputs) as string[], { ...options, signal })),
    qa: (inputs, options, reply) => {
      let input;
      if (Array.isArray(inputs)) {
        if (inputs.length === 0 || inputs.length > limits.maxInputs) throw invalidArgumentError(`1 to ${limits.maxInputs} questions`, 'inputs', inputs);
        input = inputs.map((q, i) => qaInput(q, `inputs[${i}]`));
      } else input = qaInput(inputs, 'inputs');
      return ctx.call(reply, (signal) => model.answerQuestion(input as { question: string; context: string }, { ...options, signal }));
    },
    embed: async (inputs, options, reply) => {
      if (options.pooling === 'none') {
        // Every token's vector (model.embedTokens), [tokens][dim] per input and unpadded;
        // normalized unless asked otherwise, as every vector this route returns.
        const { pooling: _, ...rest } = options;
        const out = await ctx.call(reply, (signal) => model.embedTokens(texts(inputs) as string[], { normalize: true, ...rest, signal }));
        return Array.isArray(out) ? out.map((t) => t.tolist()) : (out as Tensor).tolist();
      }
      const out = await ctx.call(reply, (signal) => model.embed(texts(inputs) as string[], { ...options, signal }));
      return Array.isArray(out) ? out.map((v) => Array.from(v)) : Array.from(out as Float32Array);
    },
    tokenize: async (inputs, options) => {
      const list = texts(inputs);
      const one = (t: string) => {
        const e = model.tokenizer.encode(t, undefined, options);
        return { ids: e.ids, tokens: e.tokens, offsets: e.offsets };
      };
      return typeof list === 'string' ? one(list) : list.map(one);
    },
  };
  for (const [route, handler] of Object.entries(handlers) as [TaskRoute, Handler][]) {
    const served = ctx.served.routes.includes(route);
    app.post(`/v1/${route}`, { config: { summary: served ? `${route}: the library's ${route} with its options` : `${route} (not served by this head)` } }, async (request, reply) => {
      try {
        if (!served) {
          throw new HttpError(404, 'DBN_UNSUPPORTED_MODEL', `/v1/${route} is not served by this model: its head is ${ctx.served.architecture} (${ctx.served.task}); it serves ${ctx.served.routes.map((r) => '/v1/' + r).join(', ')}`);
        }
        const body = checkObject(request.body, 'body');
        onlyKeys(body, ['inputs', 'options'], 'body');
        const options = { ...checkObject(body.options, 'options') };
        delete options.signal;
        return await handler(body.inputs, options, reply);
      } catch (e) {
        return sendError(reply, e);
      }
    });
  }
}
