/**
 * The task registry: for every task, the checkpoint head it needs, the `Model` method that runs
 * it, its option names (camelCase, with Hugging Face's snake_case name where HF spells it
 * otherwise) and the route name HTTP servers publish it under. `pipeline()`, the pipelines'
 * head checks, the CLI and the server all read this one table.
 */

/** Every task name `pipeline()` takes (HF's aliases included). */
export type PipelineTask =
  | 'fill-mask'
  | 'text-classification'
  | 'sentiment-analysis'
  | 'token-classification'
  | 'ner'
  | 'question-answering'
  | 'feature-extraction';

/** The architecture names of the heads a task may need (`info.config.architecture`). */
export type HeadArchitecture =
  | 'DistilBertForMaskedLM'
  | 'DistilBertForSequenceClassification'
  | 'DistilBertForTokenClassification'
  | 'DistilBertForQuestionAnswering';

export interface TaskSpec {
  /** The task's canonical name: an alias (`sentiment-analysis`, `ner`) names the task it stands for. */
  readonly canonical: PipelineTask;
  /** The head the checkpoint needs; `null`: any DistilBERT checkpoint. */
  readonly head: HeadArchitecture | null;
  /** The `Model` method that runs the task. */
  readonly method: 'fillMask' | 'classify' | 'tokenClassify' | 'answerQuestion' | 'embed';
  /** Option names the task takes, camelCase → Hugging Face's name (the same where HF has no other). */
  readonly options: Readonly<Record<string, string>>;
  /** Route name for HTTP servers (`/v1/<route>`, as `distilbert-native serve` publishes it); aliases share their task's. */
  readonly route: string;
}

const FILL_MASK: TaskSpec = {
  canonical: 'fill-mask',
  head: 'DistilBertForMaskedLM',
  method: 'fillMask',
  options: { topK: 'top_k', targets: 'targets', signal: 'signal' },
  route: 'fill-mask',
};
const TEXT_CLASSIFICATION: TaskSpec = {
  canonical: 'text-classification',
  head: 'DistilBertForSequenceClassification',
  method: 'classify',
  options: { topK: 'top_k', functionToApply: 'function_to_apply', truncation: 'truncation', signal: 'signal' },
  route: 'classify',
};
const TOKEN_CLASSIFICATION: TaskSpec = {
  canonical: 'token-classification',
  head: 'DistilBertForTokenClassification',
  method: 'tokenClassify',
  options: { aggregationStrategy: 'aggregation_strategy', ignoreLabels: 'ignore_labels', truncation: 'truncation', signal: 'signal' },
  route: 'ner',
};
const QUESTION_ANSWERING: TaskSpec = {
  canonical: 'question-answering',
  head: 'DistilBertForQuestionAnswering',
  method: 'answerQuestion',
  options: {
    topK: 'top_k',
    docStride: 'doc_stride',
    maxAnswerLen: 'max_answer_len',
    maxSeqLen: 'max_seq_len',
    maxQuestionLen: 'max_question_len',
    handleImpossibleAnswer: 'handle_impossible_answer',
    signal: 'signal',
  },
  route: 'qa',
};
const FEATURE_EXTRACTION: TaskSpec = {
  canonical: 'feature-extraction',
  head: null,
  method: 'embed',
  options: { pooling: 'pooling', normalize: 'normalize', truncation: 'truncation', signal: 'signal' },
  route: 'embed',
};

/** The task registry (see {@link TaskSpec}), keyed by every name `pipeline()` takes. */
export const TASKS: Readonly<Record<PipelineTask, TaskSpec>> = Object.freeze({
  'fill-mask': FILL_MASK,
  'text-classification': TEXT_CLASSIFICATION,
  'sentiment-analysis': TEXT_CLASSIFICATION,
  'token-classification': TOKEN_CLASSIFICATION,
  ner: TOKEN_CLASSIFICATION,
  'question-answering': QUESTION_ANSWERING,
  'feature-extraction': FEATURE_EXTRACTION,
});

export function isPipelineTask(task: unknown): task is PipelineTask {
  return typeof task === 'string' && Object.prototype.hasOwnProperty.call(TASKS, task);
}
