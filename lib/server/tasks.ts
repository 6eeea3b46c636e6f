/**
 * What the loaded checkpoint can serve, read from the package's task registry (TASKS): the
 * task whose head it has (what `POST /` speaks), and the /v1/<route> names it answers.
 */
import { TASKS, type Model } from '../index';

/** The HF pipeline task that `POST /` speaks for each head. */
export type HeadTask = 'fill-mask' | 'text-classification' | 'token-classification' | 'question-answering' | 'feature-extraction';

/** The rich /v1/<route> names: every task's registry route, plus tokenize. */
export type TaskRoute = 'fill-mask' | 'classify' | 'ner' | 'qa' | 'embed' | 'tokenize';

export interface ServedTasks {
  architecture: string;
  /** The task of the model's head (what `POST /` serves); a bare encoder gives feature-extraction. */
  task: HeadTask;
  /** Every /v1/<route> this checkpoint answers: its head's, plus embed and tokenize (any checkpoint). */
  routes: TaskRoute[];
  labels: string[];
}

const CANONICAL = [...new Set(Object.values(TASKS).map((t) => t.canonical))];

export function servedTasks(model: Model): ServedTasks {
  const { architecture, id2label } = model.info.config;
  const own = CANONICAL.map((c) => TASKS[c]).find((t) => t.head === architecture);
  const anyHead = CANONICAL.map((c) => TASKS[c]).filter((t) => t.head === null);
  const task = (own?.canonical ?? 'feature-extraction') as HeadTask;
  const routes = [...(own ? [own.route] : []), ...anyHead.map((t) => t.route), 'tokenize'] as TaskRoute[];
  return { architecture, task, routes, labels: [...id2label] };
}
