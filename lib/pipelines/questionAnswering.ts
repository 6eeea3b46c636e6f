/**
 * Extractive question answering with the semantics and field names of Hugging Face's
 * QuestionAnsweringPipeline (fast-tokenizer path): the context is cut into overlapping windows
 * of `maxSeqLen` tokens (`docStride` tokens shared), every window scores spans of context
 * tokens, and answers come back as character spans of the context, widened to whole words.
 */
import type { BatchKind } from '../model/batcher';
import { checkBoolean, checkInteger, checkSignal, checkTopK, copyArray, invalidArgument, isArray, positiveInteger, readCaller, type ReadOptions } from '../model/checks';
import { DistilBertError } from '../model/errors';
import type { Encoding } from '../model/Tokenizer';
import { maxLengthOf, perToken, readTaskOptions, requireHead, softmax, type CallOptions, type PipelineContext } from './common';

export interface QuestionAnsweringInput {
  question: string;
  context: string;
}

export interface QuestionAnsweringOptions extends CallOptions {
  /** Answers per input, best first. Default 1, which gives one answer object; more gives an array. */
  topK?: number;
  /** Tokens shared by consecutive context windows. Default `min(128, maxSeqLen / 2)`, as HF. */
  docStride?: number;
  /** Longest answer, in tokens. Default 15. */
  maxAnswerLen?: number;
  /** Tokens per window (question, context and special tokens). Default `min(384, model limit)`. */
  maxSeqLen?: number;
  /**
   * Accepted for HF compatibility and validated; like HF's fast-tokenizer pipeline it does not
   * cut the question (a question that leaves no room for the context rejects). Default 64.
   */
  maxQuestionLen?: number;
  /** Also offer the empty answer `{ score, start: 0, end: 0, answer: '' }` scored from `[CLS]`. Default `false`. */
  handleImpossibleAnswer?: boolean;
}

/** One answer, as HF returns it. */
export interface Answer {
  /** start probability × end probability (each a softmax over the window's context tokens and `[CLS]`). */
  score: number;
  /** UTF-16 offsets into the context: `context.slice(start, end) === answer`. */
  start: number;
  end: number;
  answer: string;
}

export type AnswerResult = Answer | Answer[];

interface Settings {
  /** How the caller named docStride and maxSeqLen (`doc_stride` through pipeline()), for messages. */
  names?: { docStride: string; maxSeqLen: string };
  topK: number;
  docStride: number;
  maxAnswerLen: number;
  maxSeqLen: number;
  handleImpossibleAnswer: boolean;
}

function settings(ctx: PipelineContext, { values: options, label }: ReadOptions<QuestionAnsweringOptions>): Settings {
  const limit = maxLengthOf(ctx);
  // The model's limit bounds maxSeqLen, and maxSeqLen bounds docStride.
  const maxSeqLen = checkInteger(options.maxSeqLen, label('maxSeqLen'), 1, limit, Math.min(384, limit));
  const docStride = checkInteger(options.docStride, label('docStride'), 0, maxSeqLen - 1, Math.min(128, Math.floor(maxSeqLen / 2)));
  positiveInteger(options.maxQuestionLen, label('maxQuestionLen'), 64);
  const name = (key: 'docStride' | 'maxSeqLen'): string => label(key).replace(/^options\./, '');
  return {
    names: { docStride: name('docStride'), maxSeqLen: name('maxSeqLen') },
    topK: checkTopK(options.topK, label('topK'), 1),
    docStride,
    maxAnswerLen: positiveInteger(options.maxAnswerLen, label('maxAnswerLen'), 15),
    maxSeqLen,
    handleImpossibleAnswer: checkBoolean(options.handleImpossibleAnswer, label('handleImpossibleAnswer'), false),
  };
}

/** One `{ question, context }`, each field read once. */
function checkInput(value: unknown, name: string): QuestionAnsweringInput {
  if (value === null || typeof value !== 'object') throw invalidArgument('a { question, context } object', name, value);
  const { question, context } = readCaller(name, () => {
    const { question, context } = value as Partial<QuestionAnsweringInput>;
    return { question, context };
  });
  if (typeof question !== 'string' || question.trim() === '') {
    throw invalidArgument('a non-empty string', `${name}.question`, question);
  }
  if (typeof context !== 'string' || context.trim() === '') {
    throw invalidArgument('a non-empty string', `${name}.context`, context);
  }
  return { question, context };
}

/** The parts of an encoding span scoring reads. */
export type QaWindow = Pick<Encoding, 'ids' | 'sequenceIds' | 'wordIds' | 'offsets'>;

/**
 * Windows of one (question, context) pair, as HF's fast tokenizer makes them with
 * `truncation: 'only_second'` and a stride: every window is `[CLS] question [SEP] part [SEP]`,
 * parts of `room = maxSeqLen - questionTokens - 3` context tokens starting every
 * `room - docStride` tokens until one reaches the end. Built here from one untruncated
 * encoding so that every context token is covered whatever the tokenizer's overflow does.
 */
export function qaWindows(
  encoding: QaWindow,
  s: Pick<Settings, 'maxSeqLen' | 'docStride' | 'names'>,
  index = 0,
): QaWindow[] {
  const n = encoding.ids.length;
  if (n <= s.maxSeqLen) return [encoding];
  const contextIdx: number[] = [];
  const prefixIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    if (encoding.sequenceIds[i] === 1) contextIdx.push(i);
    else if (contextIdx.length === 0) prefixIdx.push(i);
  }
  const suffixIdx = [n - 1]; // the closing [SEP]
  const room = s.maxSeqLen - prefixIdx.length - suffixIdx.length;
  const { docStride, maxSeqLen } = s.names ?? { docStride: 'docStride', maxSeqLen: 'maxSeqLen' };
  if (room <= 0) {
    throw new DistilBertError(
      'DBN_INPUT_TOO_LONG',
      `Input ${index}: the question takes ${prefixIdx.length - 2} tokens, which leaves no room for the context in ${maxSeqLen} ${s.maxSeqLen}; shorten the question or raise ${maxSeqLen}`,
    );
  }
  if (s.docStride >= room) {
    throw new DistilBertError(
      'DBN_INVALID_ARGUMENT',
      `Input ${index}: ${docStride} ${s.docStride} must be smaller than the ${room} context tokens a window holds next to this question; lower ${docStride} or raise ${maxSeqLen}`,
    );
  }
  const pick = (idx: number[]): QaWindow => ({
    ids: idx.map((i) => encoding.ids[i]!),
    sequenceIds: idx.map((i) => encoding.sequenceIds[i]!),
    wordIds: idx.map((i) => encoding.wordIds[i]!),
    offsets: idx.map((i) => encoding.offsets[i]!),
  });
  const out: QaWindow[] = [];
  for (let start = 0; ; start += room - s.docStride) {
    const stop = Math.min(start + room, contextIdx.length);
    out.push(pick([...prefixIdx, ...contextIdx.slice(start, stop), ...suffixIdx]));
    if (stop === contextIdx.length) break;
  }
  return out;
}

/** Character span of a word of the context within one window (HF's word_to_chars). */
function wordChars(w: QaWindow, word: number): [number, number] {
  let start = Infinity;
  let end = -Infinity;
  for (let i = 0; i < w.ids.length; i++) {
    if (w.sequenceIds[i] === 1 && w.wordIds[i] === word) {
      start = Math.min(start, w.offsets[i]![0]);
      end = Math.max(end, w.offsets[i]![1]);
    }
  }
  return [start, end];
}

/**
 * HF's span selection in one window: softmax of start and end logits over the context tokens
 * and `[CLS]` (everything else masked), the null score from `[CLS]`, then the best spans
 * `start <= end < start + maxAnswerLen` over context tokens by `p(start) × p(end)`.
 */
export function windowAnswers(
  w: QaWindow,
  startLogits: ArrayLike<number>,
  endLogits: ArrayLike<number>,
  clsId: number,
  context: string,
  s: Pick<Settings, 'topK' | 'maxAnswerLen'>,
): { answers: Answer[]; nullScore: number } {
  const n = w.ids.length;
  const allowed = Array.from({ length: n }, (_, i) => w.sequenceIds[i] === 1 || w.ids[i] === clsId);
  const masked = (logits: ArrayLike<number>): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => (allowed[i] ? logits[i]! : -10000));
  const start = softmax(masked(startLogits), 0, n);
  const end = softmax(masked(endLogits), 0, n);
  const nullScore = start[0]! * end[0]!;
  const spans: { s: number; e: number; score: number }[] = [];
  for (let i = 1; i < n; i++) {
    if (w.sequenceIds[i] !== 1) continue;
    for (let j = i; j < Math.min(n, i + s.maxAnswerLen); j++) {
      if (w.sequenceIds[j] === 1) spans.push({ s: i, e: j, score: start[i]! * end[j]! });
    }
  }
  // Stable sort: equal scores keep (start, end) order, so the top span is NumPy's argmax.
  spans.sort((a, b) => b.score - a.score);
  const answers = spans.slice(0, s.topK).map(({ s: si, e: ei, score }) => {
    const [begin] = wordChars(w, w.wordIds[si]!);
    const [, finish] = wordChars(w, w.wordIds[ei]!);
    return { score, start: begin, end: finish, answer: context.slice(begin, finish) };
  });
  return { answers, nullScore };
}

function qaKind(ctx: PipelineContext): BatchKind<{ start: Float32Array; end: Float32Array }> {
  return {
    key: 'question-answering',
    run: async (ids, lengths) => {
      const { start, end } = await ctx.native.answerQuestion(ids, lengths);
      const starts = perToken(start, lengths);
      const ends = perToken(end, lengths);
      return starts.map((s, i) => ({ start: s, end: ends[i]! }));
    },
  };
}

export async function runQuestionAnswering(
  ctx: PipelineContext,
  input: QuestionAnsweringInput | QuestionAnsweringInput[],
  options: QuestionAnsweringOptions,
): Promise<AnswerResult | AnswerResult[]> {
  const read = readTaskOptions<QuestionAnsweringOptions>(options, 'question-answering');
  const single = !isArray(input, 'input');
  const inputs = single ? [checkInput(input, 'input')] : copyArray(input as unknown[], 'input', checkInput);
  const s = settings(ctx, read);
  const signal = checkSignal(read.values.signal, read.label('signal'));
  requireHead(ctx, 'question-answering');
  const perInput = inputs.map((x, i) => qaWindows(ctx.tokenizer.encode(x.question, x.context), s, i));
  const flat = perInput.flat();
  const logits = await ctx.batcher.submit(
    qaKind(ctx),
    flat.map((w) => Int32Array.from(w.ids)),
    signal,
  );
  const clsId = ctx.tokenizer.info.clsId;
  let k = 0;
  const out = perInput.map((ws, i) => {
    const answers: Answer[] = [];
    let minNull = 1e6;
    for (const w of ws) {
      const { start, end } = logits[k++]!;
      const r = windowAnswers(w, start, end, clsId, inputs[i]!.context, s);
      answers.push(...r.answers);
      minNull = Math.min(minNull, r.nullScore);
    }
    if (s.handleImpossibleAnswer) answers.push({ score: minNull, start: 0, end: 0, answer: '' });
    answers.sort((a, b) => b.score - a.score);
    const top = answers.slice(0, s.topK);
    // A context with no tokens (say, only control characters) has no span to offer.
    return s.topK === 1 ? (top[0] ?? { score: 0, start: 0, end: 0, answer: '' }) : top;
  });
  return single ? out[0]! : out;
}
