export { loadModel, Model, type LoadModelOptions } from './Model';
export {
  loadTokenizer,
  Tokenizer,
  type Encoding,
  type EncodeOptions,
  type EncodeBatchOptions,
  type BatchInput,
  type TruncationStrategy,
} from './Tokenizer';
export type { FillMaskOptions, FillMaskCandidate, FillMaskOutput } from './fillMask';
export { DistilBertError, ERROR_CODES, isDistilBertError, type ErrorCode } from './errors';
export { DEFAULT_BATCHING, type BatchingOptions, type ModelStats } from './batcher';
export type { CallOptions } from './pipelines/common';
export type { ClassifyOptions, ClassifyLabel, ClassifyResult } from './pipelines/classify';
export type {
  AggregationStrategy,
  TokenClassifyOptions,
  TokenEntity,
  EntityGroup,
  TokenClassifyResult,
} from './pipelines/tokenClassify';
export type {
  QuestionAnsweringInput,
  QuestionAnsweringOptions,
  Answer,
  AnswerResult,
} from './pipelines/questionAnswering';
export type { EmbedOptions } from './pipelines/embed';
export {
  pipeline,
  type PipelineTask,
  type PipelineMap,
  type FillMaskPipeline,
  type FillMaskPipelineOutput,
  type TextClassificationPipeline,
  type TokenClassificationPipeline,
  type QuestionAnsweringPipeline,
  type FeatureExtractionPipeline,
} from './pipeline';
export { runtimeInfo, type RuntimeInfo } from './runtimeInfo';
