/**
 * `POST /score`, the Azure ML online-endpoint contract of the model card:
 * `{"inputs": {"input_string": [...]}}` → `[{"0": "capital"}, ...]` (top-1 `token_str` per mask,
 * keyed by mask order). `input_data` may stand for `inputs`, also in MLflow's "split" DataFrame
 * form; `parameters.top_k` (or `params`) returns HF pipeline-shaped candidate lists instead.
 */
import type { FastifyInstance } from 'fastify';
import { pipeline, type FillMaskOutput } from '../../index';
import type { RouteContext } from '../context';
import { HttpError, invalidArgumentError, sendError } from '../errors';
import type { RouteDoc } from '../openapi';
import { component, type JsonSchema } from '../schema';
import { FILL_MASK_PIPELINE_OUTPUT } from '../taskSchemas';

interface ScoreBody {
  inputs?: { input_string: string | string[] };
  input_data?: { input_string?: string | string[]; columns?: string[]; index?: unknown[]; data?: string[][] };
  parameters?: Record<string, unknown> | null;
  params?: Record<string, unknown> | null;
}

function bodySchema(ctx: RouteContext): JsonSchema {
  const { texts, text } = ctx.schemas;
  const inputs = component('ScoreInputs', {
    type: 'object',
    additionalProperties: false,
    required: ['input_string'],
    properties: { input_string: texts },
  });
  const inputData = component('ScoreInputData', {
    type: 'object',
    additionalProperties: false,
    properties: {
      input_string: texts,
      columns: { type: 'array', items: { type: 'string' }, contains: { type: 'string', const: 'input_string' }, description: 'MLflow split form: column names, one of them input_string' },
      index: { type: 'array', description: 'MLflow split form: row labels (ignored)' },
      data: {
        type: 'array',
        minItems: 1,
        maxItems: ctx.limits.maxInputs,
        items: { type: 'array', items: text, description: 'One value per column' },
        description: 'MLflow split form: the rows',
      },
    },
    description: 'Either {"input_string": [...]} as in inputs, or an MLflow split DataFrame {"columns", "index", "data"}',
  });
  const parameters = component('ScoreParameters', {
    type: ['object', 'null'], // null: as if left out
    additionalProperties: false,
    properties: {
      top_k: { type: 'integer', minimum: 1, description: "Candidates per mask: answers HF's fill-mask lists instead of top-1 words" },
      targets: { type: ['string', 'array'], anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'Only score these words (also answers lists)' },
    },
  });
  return {
    type: 'object',
    additionalProperties: false,
    properties: { inputs, input_data: inputData, parameters, params: parameters },
    description: 'Give one of inputs and input_data; parameters (or params) optional',
  };
}

const TOP1 = component('ScoreTop1', {
  type: 'object',
  additionalProperties: { type: 'string' },
  propertyNames: { type: 'string', pattern: '^\\d+$' },
  description: 'The top-1 word per mask, keyed "0", "1", ... in mask order',
});

const DOC: RouteDoc = {
  operationId: 'score',
  summary: 'Azure ML contract of the model card: top-1 word per mask',
  description: 'Without parameters: one object per text, the best word for each mask keyed by mask order. With parameters.top_k or targets: the fill-mask pipeline lists.',
  tags: ['Azure ML'],
  inference: true,
  notes: { 400: 'DBN_NO_MASK: a text without the mask token' },
  response: {
    type: 'array',
    items: { type: ['object', 'array'], anyOf: [TOP1, FILL_MASK_PIPELINE_OUTPUT] },
    description: 'One entry per text',
  },
  example: { inputs: { input_string: ['Paris is the [MASK] of France.', 'Today is a [MASK] day!'] } },
};

function textsOf(body: ScoreBody): string | string[] {
  if (body.inputs !== undefined && body.input_data !== undefined) {
    throw new HttpError(400, 'DBN_INVALID_ARGUMENT', 'Give one of inputs and input_data, not both');
  }
  if (body.inputs) return body.inputs.input_string;
  const data = body.input_data;
  if (data && (data.columns !== undefined || data.data !== undefined)) {
    const { columns, data: rows } = data;
    if (data.input_string !== undefined) throw new HttpError(400, 'DBN_INVALID_ARGUMENT', 'Give input_data either input_string or the split form (columns, data), not both');
    if (!columns) throw invalidArgumentError('a columns array naming "input_string"', 'input_data.columns', columns);
    if (!rows) throw invalidArgumentError('an array of rows', 'input_data.data', rows);
    const col = columns.indexOf('input_string');
    return rows.map((row, i) => {
      if (row.length !== columns.length) throw invalidArgumentError(`a row of ${columns.length} values`, `input_data.data[${i}]`, row);
      return row[col]!;
    });
  }
  if (data?.input_string !== undefined) return data.input_string;
  throw new HttpError(400, 'DBN_INVALID_ARGUMENT', 'Expected {"inputs": {"input_string": [...]}} (or input_data)');
}

export function scoreRoute(app: FastifyInstance, ctx: RouteContext): void {
  const served = ctx.served.task === 'fill-mask';
  const fill = served ? pipeline('fill-mask', ctx.model) : null;
  fill?.catch(() => undefined);
  // A head that cannot fill masks gets the route without a schema, so its 404 comes first.
  const options = served ? { schema: { body: bodySchema(ctx) }, config: { doc: DOC } } : {};
  app.post('/score', options, async (request, reply) => {
    try {
      if (!fill) {
        throw new HttpError(404, 'DBN_UNSUPPORTED_MODEL', `/score serves fill-mask; this model's head is ${ctx.served.architecture} (${ctx.served.task}); use POST / or /v1/${ctx.served.routes[0]}`);
      }
      const body = request.body as ScoreBody;
      const given = textsOf(body);
      const texts = typeof given === 'string' ? [given] : given;
      const parameters = body.parameters ?? body.params ?? {};
      const pipe = await fill;
      if (parameters.top_k === undefined && parameters.targets === undefined) {
        const out = await ctx.call(reply, (signal) => ctx.model.fillMask(texts, { topK: 1, signal }));
        return out.map((masks: FillMaskOutput) => Object.fromEntries(masks.map((c, i) => [String(i), c[0]!.token_str])));
      }
      return await ctx.call(reply, (signal) => pipe(texts, { ...parameters, signal }));
    } catch (e) {
      return sendError(reply, e);
    }
  });
}
