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
import { checkObject, checkTexts, onlyKeys } from '../input';

function textsOf(body: Record<string, unknown>): unknown {
  const given = body.inputs ?? body.input_data;
  if (body.inputs !== undefined && body.input_data !== undefined) {
    throw new HttpError(400, 'DBN_INVALID_ARGUMENT', 'Give one of inputs and input_data, not both');
  }
  const data = checkObject(given, body.inputs !== undefined ? 'inputs' : 'input_data');
  if ('columns' in data || 'data' in data) {
    onlyKeys(data, ['columns', 'index', 'data'], 'input_data');
    const { columns, data: rows } = data;
    if (!Array.isArray(columns) || !columns.includes('input_string')) {
      throw invalidArgumentError('a columns array naming "input_string"', 'input_data.columns', columns);
    }
    if (!Array.isArray(rows)) throw invalidArgumentError('an array of rows', 'input_data.data', rows);
    const col = columns.indexOf('input_string');
    return rows.map((row, i) => {
      if (!Array.isArray(row) || row.length !== columns.length) {
        throw invalidArgumentError(`a row of ${columns.length} values`, `input_data.data[${i}]`, row);
      }
      return row[col];
    });
  }
  if (!('input_string' in data)) throw new HttpError(400, 'DBN_INVALID_ARGUMENT', 'Expected {"inputs": {"input_string": [...]}} (or input_data)');
  onlyKeys(data, ['input_string'], 'inputs');
  return data.input_string;
}

export function scoreRoute(app: FastifyInstance, ctx: RouteContext): void {
  const fill = ctx.served.task === 'fill-mask' ? pipeline('fill-mask', ctx.model) : null;
  app.post('/score', { config: { summary: 'Azure ML contract of the model card: top-1 word per mask' } }, async (request, reply) => {
    try {
      if (!fill) {
        throw new HttpError(404, 'DBN_UNSUPPORTED_MODEL', `/score serves fill-mask; this model's head is ${ctx.served.architecture} (${ctx.served.task}); use POST / or /v1/${ctx.served.routes[0]}`);
      }
      const body = checkObject(request.body, 'body');
      onlyKeys(body, ['inputs', 'input_data', 'parameters', 'params'], 'body');
      const { texts } = checkTexts(textsOf(body), 'input_string', ctx.limits);
      const parameters = checkObject(body.parameters ?? body.params, 'parameters');
      onlyKeys(parameters, ['top_k', 'targets'], 'parameters');
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
