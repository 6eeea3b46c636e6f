/**
 * Per task: the schema of its options (names from the package's task registry, TASKS; value
 * types and choices as the library checks them) and of its results (the library's field names,
 * which are Hugging Face's). The /v1/<task> routes take the camelCase names, `POST /` takes
 * HF's snake_case names as well (as `pipeline()` does). test/server/openapi.test.ts holds every
 * choice list here against the library's own rejection message, so a change there shows.
 */
import { TASKS, type PipelineTask } from '../index';
import { component, VECTOR_SCHEMA, type JsonSchema } from './schema';
import type { HeadTask } from './tasks';

const integer = (minimum: number, description: string): JsonSchema => ({ type: 'integer', minimum, description });
const boolean = (description: string): JsonSchema => ({ type: 'boolean', description });
const choice = (values: readonly string[], description: string): JsonSchema => ({ type: 'string', enum: [...values], description });
const strings: JsonSchema = { type: 'array', items: { type: 'string' } };

export const CHOICES = {
  functionToApply: ['softmax', 'sigmoid', 'none'],
  aggregationStrategy: ['none', 'simple', 'first', 'average', 'max'],
  /** 'none': every token's vector (model.embedTokens), on /v1/embed and `POST /` alike. */
  pooling: ['mean', 'cls', 'none'],
  featureExtractionPooling: ['none', 'mean', 'cls'],
} as const;

const TRUNCATION = boolean("Cut inputs longer than the model's position limit instead of answering 413 DBN_INPUT_TOO_LONG. Default false");

/** Every registry option's value schema, by its camelCase name. */
const OPTION_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  topK: integer(1, 'Results per input (per mask for fill-mask), best first'),
  targets: { type: ['string', 'array'], anyOf: [{ type: 'string' }, strings], description: 'Only score these words' },
  functionToApply: choice(CHOICES.functionToApply, "Scores from logits. Default as HF: 'sigmoid' for one label, else 'softmax'"),
  truncation: TRUNCATION,
  aggregationStrategy: choice(CHOICES.aggregationStrategy, "How tokens become entities, as in HF. Default 'none' (one entity per token)"),
  ignoreLabels: { ...strings, description: "Labels left out of the result. Default ['O']" },
  docStride: integer(0, 'Tokens shared by consecutive context windows (below maxSeqLen). Default min(128, maxSeqLen / 2)'),
  maxAnswerLen: integer(1, 'Longest answer, in tokens. Default 15'),
  maxSeqLen: integer(1, "Tokens per window, at most the model's position limit. Default min(384, that limit)"),
  maxQuestionLen: integer(1, 'Accepted for HF compatibility; the question is not cut. Default 64'),
  handleImpossibleAnswer: boolean("Also offer the empty answer scored from [CLS]. Default false"),
  pooling: choice(CHOICES.pooling, "'mean' (every token), 'cls', or 'none' (every token's vector, unpadded). Default 'mean'"),
  normalize: boolean('Scale each vector to unit L2 length. Default true'),
};

/** Where a task's option differs from OPTION_SCHEMAS (by task, then camelCase name). */
const TASK_OVERRIDES: Partial<Record<PipelineTask, Record<string, JsonSchema>>> = {
  'text-classification': { topK: { type: ['integer', 'null'], minimum: 1, description: 'Labels per input, best first; null: all. Default 1 (one object, not a list)' } },
  'question-answering': { topK: integer(1, 'Answers per input, best first. Default 1 (one object); more gives a list') },
  'fill-mask': { topK: integer(1, 'Candidates per mask, best first. Default 5') },
};

/** HF's defaults where `POST /` (the hosted API's behaviour) differs from the library's. */
const HF_OVERRIDES: Partial<Record<PipelineTask, Record<string, JsonSchema>>> = {
  'feature-extraction': {
    pooling: choice(CHOICES.featureExtractionPooling, "'mean' (default here, as HF's hosted sentence embeddings), 'cls', or 'none': per-token vectors (a tokens × dim matrix per input)"),
    normalize: boolean('Scale each vector to unit L2 length. Default true here'),
  },
  'token-classification': {
    aggregationStrategy: choice(CHOICES.aggregationStrategy, "How tokens become entities. Default 'simple' here (HF's hosted default: entity groups)"),
  },
};

/** Names a caller may never send (the server sets them). */
const SERVER_ONLY = new Set(['signal']);

function optionSchema(task: PipelineTask, name: string, overrides: Record<string, JsonSchema> | undefined): JsonSchema {
  const schema = overrides?.[name] ?? TASK_OVERRIDES[task]?.[name] ?? OPTION_SCHEMAS[name];
  // A registry option this table does not know yet still passes to the library, which checks it.
  return schema ?? { type: ['string', 'number', 'boolean', 'array', 'object', 'null'], description: 'Checked by the library' };
}

/** The registry's option names of `task` with their schemas; `hf` adds HF's spellings (and its enum names in upper case). */
function optionProperties(task: PipelineTask, hf: boolean): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const overrides = hf ? HF_OVERRIDES[task] : undefined;
  for (const [camel, snake] of Object.entries(TASKS[task].options)) {
    if (SERVER_ONLY.has(camel)) continue;
    let schema = optionSchema(task, camel, overrides);
    // pipeline() lower-cases these two, so HF's 'SIMPLE' and 'SOFTMAX' work too.
    if (hf && (camel === 'aggregationStrategy' || camel === 'functionToApply') && Array.isArray(schema.enum)) {
      const values = schema.enum as string[];
      schema = { ...schema, enum: [...values, ...values.map((v) => v.toUpperCase())] };
    }
    out[camel] = schema;
    if (hf && snake !== camel) out[snake] = schema;
  }
  return out;
}

const pascal = (task: string) => task.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());

/** `options` of `/v1/<route>`: the library's camelCase names (unknown names → 400). */
export function taskOptionsSchema(task: PipelineTask): JsonSchema {
  return component(`${pascal(task)}Options`, {
    type: ['object', 'null'], // null: as if left out
    additionalProperties: false,
    properties: optionProperties(task, false),
    description: `The library's options for ${TASKS[task].method}() (camelCase names)`,
  });
}

/** `parameters` of `POST /`: HF's snake_case names (and the camelCase ones, as pipeline() takes both). */
export function hfParametersSchema(task: PipelineTask): JsonSchema {
  return component(`${pascal(task)}Parameters`, {
    type: ['object', 'null'], // null: as if left out
    additionalProperties: false,
    properties: optionProperties(task, true),
    description: `Hugging Face's ${task} parameters (snake_case; camelCase also taken)`,
  });
}

/** Tokenizer.encode's options (/v1/tokenize); lengths capped so one request cannot pad to a billion tokens. */
export function tokenizeOptionsSchema(maxLength: number): JsonSchema {
  const side = (what: string) => choice(['right', 'left'], `Which end ${what}. Default 'right'`);
  return component('TokenizeOptions', {
    type: ['object', 'null'], // null: as if left out
    additionalProperties: false,
    properties: {
      addSpecialTokens: boolean('Add [CLS] / [SEP]. Default true'),
      truncation: {
        type: ['boolean', 'string'],
        anyOf: [{ type: 'boolean' }, choice(['longest_first', 'only_first', 'only_second'], 'Truncation strategy')],
        description: 'Cut to maxLength tokens; true means longest_first. Default false',
      },
      maxLength: { type: 'integer', minimum: 0, maximum: maxLength, description: `Length for truncation and padding 'max_length' (at most ${maxLength} here). Default 512` },
      stride: { type: 'integer', minimum: 0, maximum: maxLength, description: 'Tokens shared by overflowing windows. Default 0' },
      truncationSide: side('truncation cuts'),
      padding: {
        type: ['boolean', 'string'],
        anyOf: [{ type: 'boolean' }, choice(['longest', 'max_length'], 'Padding strategy')],
        description: "true / 'longest': to the longest; 'max_length': to maxLength. Default false",
      },
      padToMultipleOf: { type: 'integer', minimum: 1, maximum: maxLength, description: 'Round the padded length up to a multiple of this' },
      paddingSide: side('gets the padding'),
    },
  });
}

// ---- results -------------------------------------------------------------------------------

const object = (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
  ...(description ? { description } : {}),
});
const arrayOf = (items: JsonSchema, description?: string): JsonSchema => ({ type: 'array', items, ...(description ? { description } : {}) });
/** `one` for a string input, an array of `one` for an array input. */
const perInput = (one: JsonSchema, description: string): JsonSchema => {
  const types = new Set([...(Array.isArray(one.type) ? (one.type as string[]) : [one.type as string]), 'array']);
  return { type: types.size === 1 ? 'array' : [...types], anyOf: [one, arrayOf(one)], description };
};

const INT = { type: 'integer' };
const NUM = { type: 'number' };
const STR = { type: 'string' };

export const CANDIDATE = component(
  'FillMaskCandidate',
  object({ score: NUM, token: INT, token_str: STR, sequence: STR }, "One candidate for one mask (HF's fill-mask fields)"),
);
export const CANDIDATES = component('FillMaskCandidates', arrayOf(CANDIDATE, 'Candidates for one mask, best first'));
/** HF's fill-mask pipeline per input: one mask gives its candidate list, several a list per mask. */
export const FILL_MASK_PIPELINE_OUTPUT = component('FillMaskPipelineOutput', {
  type: 'array',
  anyOf: [CANDIDATES, arrayOf(CANDIDATES)],
  description: 'One mask: its candidate list; several masks: one list per mask',
});
/** The library's per-input fill-mask output: one candidate list per mask, masks in text order. */
const FILL_MASK_OUTPUT = component('FillMaskOutput', arrayOf(CANDIDATES, 'One candidate list per mask, masks in text order'));

const LABEL = component('ClassifyLabel', object({ label: STR, score: NUM }));
const LABELS = arrayOf(LABEL);
const CLASSIFY_RESULT = component('ClassifyResult', { type: ['object', 'array'], anyOf: [LABEL, LABELS], description: 'One label (topK 1, the default) or a list' });

const TOKEN_ENTITY = component('TokenEntity', object({ entity: STR, score: NUM, index: INT, word: STR, start: INT, end: INT }, "One token (aggregation 'none')"));
const ENTITY_GROUP = component('EntityGroup', object({ entity_group: STR, score: NUM, word: STR, start: INT, end: INT }, 'A group of tokens or words (any other aggregation)'));
const ENTITIES = component('Entities', arrayOf({ type: 'object', anyOf: [TOKEN_ENTITY, ENTITY_GROUP] }, 'Entities of one input, in text order'));

const ANSWER = component('Answer', object({ score: NUM, start: INT, end: INT, answer: STR }, 'context.slice(start, end) === answer (UTF-16 offsets)'));
const ANSWER_RESULT = component('AnswerResult', { type: ['object', 'array'], anyOf: [ANSWER, arrayOf(ANSWER)], description: 'One answer (topK 1, the default) or a list' });

const MATRIX = component('Matrix', arrayOf(VECTOR_SCHEMA));

const ENCODING = component(
  'Encoding',
  object({
    ids: arrayOf(INT),
    tokens: arrayOf(STR),
    offsets: arrayOf({ type: 'array', items: INT, minItems: 2, maxItems: 2 }, '[start, end) UTF-16 offsets per token'),
  }),
);

/** What `/v1/<route>` answers: the library method's result (as JSON). */
export const TASK_RESULTS: Readonly<Record<string, JsonSchema>> = {
  'fill-mask': perInput(FILL_MASK_OUTPUT, 'Per input: one candidate list per mask'),
  classify: perInput(CLASSIFY_RESULT, 'Per input: a label, or a list with topK'),
  ner: perInput(ENTITIES, 'Per input: its entities'),
  qa: perInput(ANSWER_RESULT, 'Per input: an answer, or a list with topK'),
  embed: {
    type: 'array',
    anyOf: [VECTOR_SCHEMA, MATRIX, arrayOf(VECTOR_SCHEMA), arrayOf(MATRIX)],
    description: "Per input: its sentence vector; pooling 'none': a matrix (tokens × dim) per input",
  },
  tokenize: perInput(ENCODING, 'Per input: ids, tokens and offsets'),
};

/** What `POST /` answers for the head's task: HF's pipeline shapes. */
export const HF_RESULTS: Readonly<Record<HeadTask, JsonSchema>> = {
  'fill-mask': perInput(FILL_MASK_PIPELINE_OUTPUT, "Per input: HF's fill-mask shape"),
  'text-classification': arrayOf(LABELS, 'One label list per input (also for a single string), as HF'),
  'token-classification': perInput(ENTITIES, 'Per input: its entities (entity groups by default)'),
  'question-answering': ANSWER_RESULT,
  'feature-extraction': {
    type: 'array',
    anyOf: [VECTOR_SCHEMA, MATRIX, arrayOf(MATRIX)],
    description: "Pooled: a vector per input (one vector for a string); pooling 'none': a matrix (tokens × dim) per input",
  },
};
