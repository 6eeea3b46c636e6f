/**
 * What the loaded checkpoint can serve, derived from `model.info` alone. This is the one module
 * a task registry exported by lib/index.ts will replace (task → head, options, route).
 */
import type { Model } from '../index';

/** The HF pipeline task that `POST /` speaks for each head. */
export type HeadTask = 'fill-mask' | 'text-classification' | 'token-classification' | 'question-answering' | 'feature-extraction';

/** The rich /v1/<route> names. */
export type TaskRoute = 'fill-mask' | 'classify' | 'ner' | 'qa' | 'embed' | 'tokenize';

const HEADS: Record<string, HeadTask> = {
  DistilBertForMaskedLM: 'fill-mask',
  DistilBertForSequenceClassification: 'text-classification',
  DistilBertForTokenClassification: 'token-classification',
  DistilBertForQuestionAnswering: 'question-answering',
};

const ROUTE_OF: Record<Exclude<HeadTask, 'feature-extraction'>, TaskRoute> = {
  'fill-mask': 'fill-mask',
  'text-classification': 'classify',
  'token-classification': 'ner',
  'question-answering': 'qa',
};

export interface ServedTasks {
  architecture: string;
  /** The task of the model's head (what `POST /` serves); a bare encoder gives feature-extraction. */
  task: HeadTask;
  /** Every /v1/<route> this checkpoint answers: its head's, plus embed and tokenize (any checkpoint). */
  routes: TaskRoute[];
  labels: string[];
}

export function servedTasks(model: Model): ServedTasks {
  const { architecture, id2label } = model.info.config;
  const task = HEADS[architecture] ?? 'feature-extraction';
  const routes: TaskRoute[] = task === 'feature-extraction' ? [] : [ROUTE_OF[task]];
  routes.push('embed', 'tokenize');
  return { architecture, task, routes, labels: [...id2label] };
}
