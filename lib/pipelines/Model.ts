/**
 * `Model`: a loaded checkpoint with a method per task. It lives here, above lib/model/, because
 * its methods are the pipelines: it extends lib/model's ModelBase (native model, tokenizer,
 * queue, info, stats, dispose) and each method hands ModelBase's parts to a task's run*
 * function, so lib/model never imports the pipelines.
 */
import { invalidArgument } from '../model/checks';
import { ModelBase, openModel, type LoadModelOptions } from '../model/ModelBase';
import { runClassify, type ClassifyLabel, type ClassifyOptions, type ClassifyResult } from './classify';
import { runEmbed, runEmbedTokens, type EmbedOptions, type EmbedTokensOptions } from './embed';
import { runFillMask, type FillMaskOptions, type FillMaskOutput } from './fillMask';
import {
  runQuestionAnswering,
  type Answer,
  type AnswerResult,
  type QuestionAnsweringInput,
  type QuestionAnsweringOptions,
} from './questionAnswering';
import {
  runTokenClassify,
  type EntityGroup,
  type TokenClassifyOptions,
  type TokenClassifyResult,
  type TokenEntity,
} from './tokenClassify';
import type { Tensor } from './Tensor';

export type { LoadModelOptions };

/**
 * A loaded DistilBERT checkpoint. Inference runs on the model's own native thread; concurrent
 * calls are packed into shared native calls (see {@link BatchingOptions}), which gives the same
 * results as calling one at a time.
 */
export class Model extends ModelBase {
  /**
   * Predicts the masked words. A string gives one array per mask (text order), each holding
   * `topK` candidates `{ score, token, token_str, sequence }`; an array of strings gives one
   * such result per string. `[mask]` in any letter case counts as the mask token.
   * Rejects `DBN_NO_MASK` when an input has no mask.
   */
  fillMask(input: string, options?: FillMaskOptions): Promise<FillMaskOutput>;
  fillMask(input: string[], options?: FillMaskOptions): Promise<FillMaskOutput[]>;
  fillMask(input: string | string[], options: FillMaskOptions = {}): Promise<FillMaskOutput | FillMaskOutput[]> {
    return runFillMask(this.parts, input, options);
  }

  /**
   * Sequence classification (a DistilBertForSequenceClassification checkpoint), as HF's
   * text-classification pipeline: `{ label, score }` per input with the default `topK: 1`,
   * else an array of them, best first. Rejects `DBN_UNSUPPORTED_MODEL` for other heads.
   */
  classify(input: string, options?: ClassifyOptions & { topK?: 1 }): Promise<ClassifyLabel>;
  classify(input: string, options: ClassifyOptions): Promise<ClassifyResult>;
  classify(input: string[], options?: ClassifyOptions & { topK?: 1 }): Promise<ClassifyLabel[]>;
  classify(input: string[], options: ClassifyOptions): Promise<ClassifyResult[]>;
  classify(input: string | string[], options: ClassifyOptions = {}): Promise<ClassifyResult | ClassifyResult[]> {
    return runClassify(this.parts, input, options);
  }

  /**
   * Token classification / NER (a DistilBertForTokenClassification checkpoint), as HF's
   * token-classification pipeline: per-token `{ entity, score, index, word, start, end }` with
   * the default `aggregationStrategy: 'none'`, else `{ entity_group, score, word, start, end }`.
   * `start`/`end` index the input string.
   */
  tokenClassify(input: string, options?: TokenClassifyOptions & { aggregationStrategy?: 'none' }): Promise<TokenEntity[]>;
  tokenClassify(input: string, options: TokenClassifyOptions): Promise<TokenEntity[] | EntityGroup[]>;
  tokenClassify(input: string[], options?: TokenClassifyOptions & { aggregationStrategy?: 'none' }): Promise<TokenEntity[][]>;
  tokenClassify(input: string[], options: TokenClassifyOptions): Promise<TokenClassifyResult[]>;
  tokenClassify(
    input: string | string[],
    options: TokenClassifyOptions = {},
  ): Promise<TokenClassifyResult | TokenClassifyResult[]> {
    return runTokenClassify(this.parts, input, options);
  }

  /**
   * Extractive question answering (a DistilBertForQuestionAnswering checkpoint), as HF's
   * question-answering pipeline: `{ score, start, end, answer }` with the default `topK: 1`,
   * else an array of them; `start`/`end` index the context. Long contexts are read in
   * overlapping windows. Takes `(question, context)`, `{ question, context }` or an array of those objects.
   */
  answerQuestion(question: string, context: string, options?: QuestionAnsweringOptions): Promise<AnswerResult>;
  answerQuestion(input: QuestionAnsweringInput, options?: QuestionAnsweringOptions & { topK?: 1 }): Promise<Answer>;
  answerQuestion(input: QuestionAnsweringInput, options?: QuestionAnsweringOptions): Promise<AnswerResult>;
  answerQuestion(input: QuestionAnsweringInput[], options?: QuestionAnsweringOptions): Promise<AnswerResult[]>;
  answerQuestion(
    a: string | QuestionAnsweringInput | QuestionAnsweringInput[],
    b?: string | QuestionAnsweringOptions,
    c?: QuestionAnsweringOptions,
  ): Promise<AnswerResult | AnswerResult[]> {
    if (typeof a === 'string') {
      if (typeof b !== 'string') return Promise.reject(invalidArgument('a context string', 'context', b));
      return runQuestionAnswering(this.parts, { question: a, context: b }, c ?? {});
    }
    return runQuestionAnswering(this.parts, a, (b ?? {}) as QuestionAnsweringOptions);
  }

  /**
   * Sentence embeddings from any DistilBERT checkpoint: one `Float32Array` of `info.config.dim`
   * values per input (a string gives one, an array gives an array). Default: mean pooling, L2-normalized.
   */
  embed(input: string, options?: EmbedOptions): Promise<Float32Array>;
  embed(input: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  embed(input: string | string[], options: EmbedOptions = {}): Promise<Float32Array | Float32Array[]> {
    return runEmbed(this.parts, input, options);
  }

  /**
   * Token embeddings from any DistilBERT checkpoint: the encoder's last hidden state of every
   * token, special tokens included, as a {@link Tensor} of dims `[tokens, info.config.dim]` per
   * input (a string gives one, an array gives an array; never padded). Unnormalized by
   * default. This is feature extraction with transformers.js's default `pooling: 'none'`, one
   * tensor per input as Hugging Face's Python pipeline returns it; `pipeline('feature-extraction')`
   * gives the same rows padded into one `[batch, tokens, dim]` tensor.
   */
  embedTokens(input: string, options?: EmbedTokensOptions): Promise<Tensor>;
  embedTokens(input: string[], options?: EmbedTokensOptions): Promise<Tensor[]>;
  embedTokens(input: string | string[], options: EmbedTokensOptions = {}): Promise<Tensor | Tensor[]> {
    return runEmbedTokens(this.parts, input, options);
  }
}

/**
 * Loads a Hugging Face DistilBERT checkpoint directory (config.json + model.safetensors +
 * tokenizer.json or vocab.txt), or a TorchScript archive from tools/model/export-torchscript.py.
 * Reading and mapping the weights happens off the JS thread.
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  const { nativeModel, batching } = await openModel(path, options);
  return new Model(nativeModel, batching);
}
