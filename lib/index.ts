export { loadModel, Model, type LoadModelOptions } from './Model';
export { loadTokenizer, Tokenizer, type Encoding, type EncodeOptions } from './Tokenizer';
export type { FillMaskOptions, FillMaskCandidate, FillMaskOutput } from './fillMask';
export { DistilBertError, ERROR_CODES, isDistilBertError, type ErrorCode } from './errors';
