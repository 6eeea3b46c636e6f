/**
 * `POST /`: the Hugging Face Inference Endpoints contract (`{"inputs", "parameters"}`) for the
 * task of the model's head, in HF's response shapes, which is what `@huggingface/inference`
 * with `endpointUrl` posts and checks.
 */
import type { FastifyInstance } from 'fastify';
import { pipeline, type Tensor } from '../../index';
import type { RouteContext } from '../context';
import { invalidArgumentError, sendError } from '../errors';
import type { RouteDoc } from '../openapi';
import type { JsonSchema } from '../schema';
import { HF_RESULTS, hfParametersSchema } from '../taskSchemas';
import type { HeadTask } from '../tasks';

type Pipe = (...args: unknown[]) => Promise<unknown>;

interface HfBody {
  inputs: string | string[] | { question: string; context: string };
  parameters?: Record<string, unknown> | null;
}

const EXAMPLES: Record<HeadTask, unknown> = {
  'fill-mask': { inputs: 'Paris is the [MASK] of France.', parameters: { top_k: 3 } },
  'text-classification': { inputs: 'I love it', parameters: { top_k: null } },
  'token-classification': { inputs: 'Ada lived in London' },
  'question-answering': { inputs: { question: 'Where did Ada live?', context: 'Ada lived in London.' } },
  'feature-extraction': { inputs: ['hello', 'world'] },
};

function bodySchema(ctx: RouteContext, task: HeadTask): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['inputs'],
    properties: {
      inputs: task === 'question-answering' ? ctx.schemas.qaInput : ctx.schemas.texts,
      parameters: hfParametersSchema(task),
      options: {
        type: ['object', 'null'], // null: as if left out
        description: "The hosted API's options (wait_for_model, use_cache): accepted, and meaningless for a loaded model",
      },
    },
  };
}

export function hfInferenceRoute(app: FastifyInstance, ctx: RouteContext): void {
  const task = ctx.served.task;
  const made = pipeline(task, ctx.model) as unknown as Promise<Pipe>;
  made.catch(() => undefined);
  const doc: RouteDoc = {
    operationId: 'hfInference',
    summary: `Hugging Face Inference contract for this head's task (${task})`,
    description: "What @huggingface/inference posts with endpointUrl; answers in HF's pipeline shapes.",
    tags: ['Hugging Face'],
    inference: true,
    ...(task === 'fill-mask' ? { notes: { 400: 'DBN_NO_MASK: a text without the mask token' } } : {}),
    response: HF_RESULTS[task],
    example: EXAMPLES[task],
  };
  app.post('/', { schema: { body: bodySchema(ctx, task) }, config: { doc } }, async (request, reply) => {
    try {
      const body = request.body as HfBody;
      // `options` (wait_for_model, use_cache) is the HF API's own, meaningless for a loaded model.
      const parameters = { ...body.parameters };
      const pipe = await made;
      if (task === 'question-answering') {
        return await ctx.call(reply, (signal) => pipe(body.inputs, { ...parameters, signal }));
      }
      const single = typeof body.inputs === 'string';
      const input = body.inputs;
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
          const texts = (single ? [input] : input) as string[];
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
