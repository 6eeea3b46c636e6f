/**
 * The public API. Product code (lib/cli, lib/server, lib/hub) imports only this module; this
 * module never imports them.
 */
export { loadModel, Model, type LoadModelOptions } from './pipelines/Model';
export { ModelBase } from './model/ModelBase';
export {
  loadTokenizer,
  Tokenizer,
  type Encoding,
  type EncodeOptions,
  type EncodeBatchOptions,
  type BatchInput,
  type TruncationStrategy,
} from './model/Tokenizer';
export { DistilBertError, ERROR_CODES, isDistilBertError, type ErrorCode } from './model/errors';
export { DEFAULT_BATCHING, type BatchingOptions } from './model/batcher';
export type { ModelStats } from './model/stats';
export type { NativeModelInfo, NativeModelConfig, NativeTokenizerInfo } from './native';
export type { CallOptions } from './pipelines/common';
export type { FillMaskOptions, FillMaskCandidate, FillMaskOutput } from './pipelines/fillMask';
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
export type { EmbedOptions, EmbedTokensOptions } from './pipelines/embed';
export { Tensor } from './pipelines/Tensor';
export { TASKS, type TaskSpec, type HeadArchitecture } from './pipelines/registry';
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
  type FeatureExtractionOptions,
  type PipelineOptions,
  type TransformersJsLoadOptions,
  type TransformersJsProgress,
} from './pipelines/pipeline';
export { runtimeInfo, type RuntimeInfo } from './model/runtimeInfo';
