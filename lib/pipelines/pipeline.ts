/**
 * `pipeline(task, model, options)`, shaped like transformers.js (and HF's Python `pipeline`):
 * the result is an async function over inputs that takes HF's option names (`top_k`,
 * `function_to_apply`, `aggregation_strategy`, `ignore_labels`, `doc_stride`, ...) as well as
 * this package's camelCase ones, and returns HF's output shapes.
 */
import { DistilBertError } from '../model/errors';
import { checkBoolean, checkChoice, checkOptions, copyArray, invalidArgument, isArray, labelsOf, optionLabel, readCaller, unknownOption, withLabels } from '../model/checks';
import { ModelBase } from '../model/ModelBase';
import type { ClassifyLabel, ClassifyOptions, ClassifyResult } from './classify';
import { requireHead } from './common';
import type { CallOptions } from './common';
import type { EmbedOptions, EmbedTokensOptions } from './embed';
import { Tensor } from './Tensor';
import type { FillMaskCandidate, FillMaskOptions, FillMaskOutput } from './fillMask';
import { loadModel, Model } from './Model';
import { loadOptionsOf, type PipelineOptions } from './pipelineOptions';
import type { AnswerResult, QuestionAnsweringInput, QuestionAnsweringOptions } from './questionAnswering';
import { isPipelineTask, TASKS, type PipelineTask } from './registry';
import type { TokenClassifyOptions, TokenClassifyResult } from './tokenClassify';

export type { PipelineTask };
export type { PipelineOptions, TransformersJsLoadOptions, TransformersJsProgress } from './pipelineOptions';

/** Per task, HF's option names that differ from this package's, mapped to ours (from the registry). */
const SNAKE_TO_CAMEL = Object.fromEntries(
  Object.entries(TASKS).map(([task, spec]) => [
    task,
    new Map(Object.entries(spec.options).filter(([camel, hf]) => camel !== hf).map(([camel, hf]) => [hf, camel])),
  ]),
) as Record<PipelineTask, Map<string, string>>;

/** Per task, every option name a pipeline call takes: ours, then HF's where it differs. */
const KNOWN_NAMES = Object.fromEntries(
  Object.entries(TASKS).map(([task, spec]) => [
    task,
    [...Object.keys(spec.options), ...Object.entries(spec.options).filter(([camel, hf]) => camel !== hf).map(([, hf]) => hf)],
  ]),
) as Record<PipelineTask, string[]>;

/**
 * Copies `options` (each value read once) with the task's HF snake_case names (the registry's)
 * mapped to camelCase. An unknown name rejects naming the closest known one; a name given
 * both ways rejects naming both. The copy remembers the caller's names, so that the task's
 * checks say `options.top_k` to a caller who wrote top_k.
 */
export function camelOptionsOf<T extends object>(task: PipelineTask, options: unknown): T {
  if (options === undefined) return {} as T;
  checkOptions(options);
  const snake = SNAKE_TO_CAMEL[task];
  const known = KNOWN_NAMES[task];
  const where = `the ${task} pipeline`;
  const out: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  readCaller('options', () => {
    const given = options as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!known.includes(key)) throw unknownOption(key, where, known);
      const name = snake.get(key) ?? key;
      if (Object.prototype.hasOwnProperty.call(out, name)) {
        const [first, second] = [labels[name] ?? name, key];
        throw new DistilBertError(
          'DBN_INVALID_ARGUMENT',
          `Expected only one of options.${first} and options.${second} (two names for one option) but received both; pass one`,
        );
      }
      const value = given[key];
      // HF also takes its enum names in upper case ('SIMPLE', 'SOFTMAX').
      const enumLike = name === 'aggregationStrategy' || name === 'functionToApply';
      out[name] = enumLike && typeof value === 'string' ? value.toLowerCase() : value;
      if (key !== name) labels[name] = key;
    }
  });
  return withLabels(out, labels) as T;
}

interface PipelineBase {
  readonly task: PipelineTask;
  readonly model: Model;
  /** Disposes the model when the pipeline loaded it from a path; a model passed in stays open. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** HF's fill-mask shapes: one mask gives the candidate list itself, several a list per mask. */
export type FillMaskPipelineOutput = FillMaskCandidate[] | FillMaskCandidate[][];

export interface FillMaskPipeline extends PipelineBase {
  (input: string, options?: FillMaskOptions & { top_k?: number }): Promise<FillMaskPipelineOutput>;
  (input: string[], options?: FillMaskOptions & { top_k?: number }): Promise<FillMaskPipelineOutput[]>;
}

export type HfClassifyOptions = ClassifyOptions & {
  top_k?: number | null;
  function_to_apply?: 'softmax' | 'sigmoid' | 'none';
};

export interface TextClassificationPipeline extends PipelineBase {
  /** A string gives a list (one `{ label, score }` without top_k, else top_k of them), as HF. */
  (input: string, options?: HfClassifyOptions): Promise<ClassifyLabel[]>;
  /**
   * An array gives one `{ label, score }` per input when top_k is not given; with top_k given
   * (any value, 1 and null included) one list per input, as HF.
   */
  (input: string[], options?: HfClassifyOptions): Promise<ClassifyResult[]>;
}

export type HfTokenClassifyOptions = TokenClassifyOptions & {
  aggregation_strategy?: string;
  ignore_labels?: string[];
};

export interface TokenClassificationPipeline extends PipelineBase {
  (input: string, options?: HfTokenClassifyOptions): Promise<TokenClassifyResult>;
  (input: string[], options?: HfTokenClassifyOptions): Promise<TokenClassifyResult[]>;
}

export type HfQuestionAnsweringOptions = QuestionAnsweringOptions & {
  top_k?: number;
  doc_stride?: number;
  max_answer_len?: number;
  max_seq_len?: number;
  max_question_len?: number;
  handle_impossible_answer?: boolean;
};

export interface QuestionAnsweringPipeline extends PipelineBase {
  (question: string, context: string, options?: HfQuestionAnsweringOptions): Promise<AnswerResult>;
  (input: QuestionAnsweringInput, options?: HfQuestionAnsweringOptions): Promise<AnswerResult>;
  (input: QuestionAnsweringInput[], options?: HfQuestionAnsweringOptions): Promise<AnswerResult[]>;
  /**
   * transformers.js's batch form (HF Python's `question=[...], context=[...]`): questions and
   * contexts pair up by index; one context string is shared by every question.
   */
  (question: string[], context: string[] | string, options?: HfQuestionAnsweringOptions): Promise<AnswerResult[]>;
}

/** transformers.js's feature-extraction options. */
export interface FeatureExtractionOptions extends CallOptions {
  /**
   * `'none'` (default, as transformers.js and HF Python): per-token features
   * `[batch, tokens, dim]`; `'mean'` (every token, special ones included) or `'cls'`: `[batch, dim]`.
   */
  pooling?: 'none' | 'mean' | 'cls';
  /**
   * Scale each vector along the last dimension to unit L2 length (each token's with `'none'`).
   * Default `false` (transformers.js); `model.embed()` defaults to `true`.
   */
  normalize?: boolean;
  /** Cut inputs longer than the model's position limit instead of rejecting `DBN_INPUT_TOO_LONG`. Default `false`. */
  truncation?: boolean;
}

/**
 * transformers.js's feature extraction: one {@link Tensor} for a string or an array (a string is
 * a batch of one). With `pooling: 'none'` its dims are `[batch, tokens, dim]`, `tokens` the
 * longest input's count, as transformers.js pads the batch; the rows past a shorter input's
 * end are zeros (transformers.js fills them with the model's output at `[PAD]` tokens, which
 * the engine never computes since it does not pad). Every real token's row is the model's
 * output, equal to running the input alone. For unpadded rows per input use
 * {@link Model.embedTokens}; for plain sentence vectors {@link Model.embed}.
 */
export interface FeatureExtractionPipeline extends PipelineBase {
  (input: string | string[], options?: FeatureExtractionOptions): Promise<Tensor>;
}

export interface PipelineMap {
  'fill-mask': FillMaskPipeline;
  'text-classification': TextClassificationPipeline;
  'sentiment-analysis': TextClassificationPipeline;
  'token-classification': TokenClassificationPipeline;
  ner: TokenClassificationPipeline;
  'question-answering': QuestionAnsweringPipeline;
  'feature-extraction': FeatureExtractionPipeline;
}

function unwrapSingleMask(out: FillMaskOutput): FillMaskPipelineOutput {
  return out.length === 1 ? out[0]! : out;
}

/**
 * `qa(questions[], contexts[] | context)` as `{ question, context }[]` (HF's argument handler),
 * from copies of both arrays.
 */
function pairUp(questionList: unknown[], contextList: unknown[] | string): QuestionAnsweringInput[] {
  const questions = copyArray(questionList, 'question', (q) => q);
  const contexts = typeof contextList === 'string' ? contextList : copyArray(contextList, 'context', (c) => c);
  if (typeof contexts !== 'string' && contexts.length !== questions.length) {
    throw invalidArgument(`${questions.length} contexts, one per question`, 'context', `${contexts.length} contexts`);
  }
  return questions.map((question, i) => ({
    question: question as string,
    context: (typeof contexts === 'string' ? contexts : contexts[i]) as string,
  }));
}

/** Stacks `[tokens_i, dim]` tensors into `[batch, max tokens, dim]`, zeros after each one's end. */
function padTokens(rows: Tensor[], dim: number): Tensor {
  const longest = Math.max(...rows.map((t) => t.dims[0]!));
  const data = new Float32Array(rows.length * longest * dim);
  rows.forEach((t, i) => data.set(t.data, i * longest * dim));
  return new Tensor(data, [rows.length, longest, dim]);
}

async function featureExtraction(model: Model, input: unknown, options: FeatureExtractionOptions): Promise<Tensor> {
  const labels = labelsOf(options);
  const label = optionLabel(labels);
  const pooling = checkChoice(options.pooling, label('pooling'), ['none', 'mean', 'cls'] as const, 'none');
  const normalize = checkBoolean(options.normalize, label('normalize'), false);
  const texts = (typeof input === 'string' ? [input] : input) as string[];
  const dim = model.info.config.dim;
  if (pooling === 'none') {
    const { pooling: _, ...rest } = options;
    return padTokens(await model.embedTokens(texts, withLabels({ ...rest, normalize }, labels) as EmbedTokensOptions), dim);
  }
  const vectors = await model.embed(texts, withLabels({ ...options, pooling, normalize }, labels) as EmbedOptions);
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => data.set(v, i * dim));
  return new Tensor(data, [vectors.length, dim]);
}

function runner(task: PipelineTask, model: Model): (...args: unknown[]) => Promise<unknown> {
  const camelOptions = <T extends object>(options: unknown): T => camelOptionsOf<T>(task, options);
  switch (task) {
    case 'fill-mask':
      return async (input, options) => {
        const o = camelOptions<FillMaskOptions>(options);
        if (isArray(input, 'input')) return (await model.fillMask(input as string[], o)).map(unwrapSingleMask);
        return unwrapSingleMask(await model.fillMask(input as string, o));
      };
    case 'text-classification':
    case 'sentiment-analysis':
      return async (input, options) => {
        const o = camelOptions<ClassifyOptions>(options);
        const out = await model.classify(input as string, o);
        // HF returns a list for a single string even with top_k 1.
        if (typeof input === 'string') return Array.isArray(out) ? out : [out];
        // HF nests one list per input whenever top_k was given, whatever its value
        // (its legacy default, top_k unset, is what gives one dict per input).
        if (o.topK === undefined) return out;
        return (out as ClassifyResult[]).map((r) => (Array.isArray(r) ? r : [r]));
      };
    case 'token-classification':
    case 'ner':
      return (input, options) => model.tokenClassify(input as string, camelOptions<TokenClassifyOptions>(options));
    case 'question-answering':
      return async (a, b, c) => {
        if (typeof a === 'string') return model.answerQuestion(a, b as string, camelOptions<QuestionAnsweringOptions>(c));
        if (isArray(a, 'question') && (typeof b === 'string' || isArray(b, 'context'))) {
          return model.answerQuestion(pairUp(a, b), camelOptions<QuestionAnsweringOptions>(c));
        }
        return model.answerQuestion(a as QuestionAnsweringInput, camelOptions<QuestionAnsweringOptions>(b));
      };
    case 'feature-extraction':
      return (input, options) => featureExtraction(model, input, camelOptions<FeatureExtractionOptions>(options));
  }
}

/**
 * Makes a pipeline for `task` on a loaded {@link Model}, or on a checkpoint directory it loads
 * with `options` (and then owns: `pipe.dispose()` frees it). `options` are loadModel's, or
 * transformers.js's names (`device`, `dtype: 'fp32' | 'bf16'`, `revision`, `local_files_only`,
 * `progress_callback`, `cache_dir`); transformers.js options without a meaning here
 * (`session_options`, ...) reject naming the option. Rejects `DBN_INVALID_ARGUMENT`
 * for an unknown task and `DBN_UNSUPPORTED_MODEL` when the checkpoint lacks the task's head.
 */
export async function pipeline<T extends PipelineTask>(
  task: T,
  modelOrPath: Model | string,
  options: PipelineOptions = {},
): Promise<PipelineMap[T]> {
  if (!isPipelineTask(task)) throw invalidArgument(`one of ${Object.keys(TASKS).join(', ')}`, 'task', task);
  // A brand check, not instanceof: Object.create(Model.prototype) is no model, and a revoked
  // Proxy must not make it throw.
  if (!ModelBase.isModel(modelOrPath) && typeof modelOrPath !== 'string') {
    throw invalidArgument('a Model from loadModel() or a model directory path', 'model', modelOrPath);
  }
  const owned = typeof modelOrPath === 'string';
  const model = owned ? await loadModel(modelOrPath, loadOptionsOf(options, modelOrPath)) : modelOrPath;
  try {
    requireHead(model.parts, task);
  } catch (e) {
    if (owned) await model.dispose();
    throw e;
  }
  const run = runner(task, model);
  const dispose = (): Promise<void> => (owned ? model.dispose() : Promise.resolve());
  const pipe = Object.assign((...args: unknown[]) => run(...args), {
    task,
    model,
    dispose,
    [Symbol.asyncDispose]: dispose,
  });
  return pipe as unknown as PipelineMap[T];
}
