/**
 * Text classification with the semantics and field names of Hugging Face's
 * TextClassificationPipeline (`label`, `score`, `top_k`, `function_to_apply`).
 */
import type { BatchKind } from '../model/batcher';
import { checkBoolean, checkChoice, checkTopK } from '../model/checks';
import { argmax, encodeIds, openCall, perSequence, requireHead, softmax, type CallOptions, type PipelineContext } from './common';

export interface ClassifyOptions extends CallOptions {
  /**
   * Labels per input, best first. Default 1, which gives one `{ label, score }` per input;
   * a larger number or `null` (all labels) gives an array per input.
   */
  topK?: number | null;
  /**
   * Scores from logits: `'softmax'`, `'sigmoid'` or `'none'` (raw logits). Default as HF:
   * `'sigmoid'` for a one-label model, else `'softmax'`.
   */
  functionToApply?: 'softmax' | 'sigmoid' | 'none';
  /** Cut inputs longer than the model's position limit instead of rejecting `DBN_INPUT_TOO_LONG`. Default `false`. */
  truncation?: boolean;
}

/** One label and its score. */
export interface ClassifyLabel {
  label: string;
  score: number;
}

export type ClassifyResult = ClassifyLabel | ClassifyLabel[];

/** Logit rows come back one per sequence. */
function classifyKind(ctx: PipelineContext, numLabels: number): BatchKind<Float32Array> {
  return {
    key: 'classify',
    run: async (ids, lengths) => perSequence(await ctx.native.classify(ids, lengths), lengths.length, numLabels),
  };
}

/** Scores of one logit row, in float64. */
export function applyFunction(logits: ArrayLike<number>, fn: 'softmax' | 'sigmoid' | 'none'): Float64Array {
  if (fn === 'softmax') return softmax(logits, 0, logits.length);
  if (fn === 'sigmoid') return Float64Array.from(logits, (x) => 1 / (1 + Math.exp(-x)));
  return Float64Array.from(logits);
}

/**
 * HF postprocessing of one logit row: with `topK === 1` the best label (ties: the lowest
 * index, NumPy's argmax); otherwise labels sorted by score, descending (stable), cut to topK.
 */
export function classifyRow(
  logits: ArrayLike<number>,
  id2label: readonly string[],
  topK: number | null,
  fn: 'softmax' | 'sigmoid' | 'none',
): ClassifyResult {
  const scores = applyFunction(logits, fn);
  if (topK === 1) {
    const best = argmax(scores);
    return { label: id2label[best] ?? `LABEL_${best}`, score: scores[best]! };
  }
  const all = Array.from(scores, (score, i) => ({ label: id2label[i] ?? `LABEL_${i}`, score }));
  all.sort((a, b) => b.score - a.score);
  return topK === null ? all : all.slice(0, topK);
}

export async function runClassify(
  ctx: PipelineContext,
  input: string | string[],
  options: ClassifyOptions,
): Promise<ClassifyResult | ClassifyResult[]> {
  const { texts, single, signal, options: o } = openCall<ClassifyOptions>(input, options, 'text-classification');
  const topK = checkTopK(o.values.topK, o.label('topK'), 1, true);
  const id2label = ctx.config.id2label;
  const fn = checkChoice(
    o.values.functionToApply,
    o.label('functionToApply'),
    ['softmax', 'sigmoid', 'none'] as const,
    id2label.length === 1 ? 'sigmoid' : 'softmax',
  );
  const truncate = checkBoolean(o.values.truncation, o.label('truncation'), false);
  requireHead(ctx, 'text-classification');
  const ids = encodeIds(ctx, texts, truncate);
  const rows = await ctx.batcher.submit(classifyKind(ctx, id2label.length), ids, signal);
  const out = rows.map((row) => classifyRow(row, id2label, topK, fn));
  return single ? out[0]! : out;
}
