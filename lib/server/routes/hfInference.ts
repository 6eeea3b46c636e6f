/**
 * `POST /`: the Hugging Face Inference Endpoints contract (`{"inputs", "parameters"}`) for the
 * task of the model's head, in HF's response shapes, which is what `@huggingface/inference`
 * with `endpointUrl` posts and checks.
 */
import type { FastifyInstance } from 'fastify';
import { pipeline, type Tensor } from '../../index';
import type { RouteContext } from '../context';
import { invalidArgumentError, sendError } from '../errors';
import { checkObject, checkText, checkTexts, onlyKeys } from '../input';

type Pipe = (...args: unknown[]) => Promise<unknown>;

export function hfInferenceRoute(app: FastifyInstance, ctx: RouteContext): void {
  const task = ctx.served.task;
  const made = pipeline(task, ctx.model) as unknown as Promise<Pipe>;
  made.catch(() => undefined);
  app.post('/', { config: { summary: `Hugging Face Inference contract for this head's task (${task})` } }, async (request, reply) => {
    try {
      const body = checkObject(request.body, 'body');
      onlyKeys(body, ['inputs', 'parameters', 'options'], 'body');
      // `options` (wait_for_model, use_cache) is the HF API's own, meaningless for a loaded model.
      const parameters = { ...checkObject(body.parameters, 'parameters') };
      const pipe = await made;
      if (task === 'question-answering') {
        const inputs = checkObject(body.inputs, 'inputs');
        onlyKeys(inputs, ['question', 'context'], 'inputs');
        const question = checkText(inputs.question, 'inputs.question', ctx.limits);
        const context = checkText(inputs.context, 'inputs.context', ctx.limits);
        return await ctx.call(reply, (signal) => pipe({ question, context }, { ...parameters, signal }));
      }
      const { texts, single } = checkTexts(body.inputs, 'inputs', ctx.limits);
      const input = single ? texts[0]! : texts;
      if (task === 'token-classification' && parameters.aggregation_strategy === undefined && parameters.aggregationStrategy === undefined) {
        parameters.aggregation_strategy = 'simple'; // HF's hosted default: entity groups
      }
      if (task === 'feature-extraction') {
        // Sentence vectors, as HF's hosted sentence-embedding endpoints answer (mean pooled,
        // normalized) unless the request says otherwise.
        parameters.pooling ??= 'mean';
        parameters.normalize ??= true;
        if (parameters.pooling === 'none') {
          // Per-token vectors, one [tokens][dim] list per input as HF's Python pipeline gives
          // them: unpadded (the pipeline's Tensor pads a batch to its longest input).
          const { pooling: _, ...rest } = parameters;
          const tensors = await ctx.call(reply, (signal) => ctx.model.embedTokens(texts, { ...rest, signal }));
          return single ? tensors[0]!.tolist() : tensors.map((t) => t.tolist());
        }
      }
      const out = await ctx.call(reply, (signal) => pipe(input, { ...parameters, signal }));
      switch (task) {
        case 'text-classification':
          // HF answers a list of label lists, one per input, even for one string.
          return single ? [out] : (out as unknown[]).map((r) => (Array.isArray(r) ? r : [r]));
        case 'feature-extraction': {
          const rows = (out as Tensor).tolist();
          return single ? rows[0] : rows;
        }
        default:
          return out;
      }
    } catch (e) {
      if (e instanceof TypeError) return sendError(reply, invalidArgumentError('a valid request', 'body', request.body));
      return sendError(reply, e);
    }
  });
}
