/**
 * `evaluate`'s per-task scoring: one dataset row → what the model predicts → the gold it is
 * compared with, and the metrics over all rows. Uses only the public API.
 */
import { DistilBertError, type Model, type TokenEntity } from '../index';
import {
  classificationReport,
  entityReport,
  rankMetrics,
  squadMetrics,
  type ClassificationReport,
  type EntityReport,
  type RankMetrics,
  type SquadMetrics,
} from './metrics';

export const EVAL_TASKS = ['fill-mask', 'text-classification', 'token-classification', 'question-answering'] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];

function bad(message: string): DistilBertError {
  return new DistilBertError('DBN_INVALID_ARGUMENT', message);
}
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export interface FillMaskReport extends RankMetrics {
  /** Masked words that are not one vocabulary token: not scored, counted here. */
  multiTokenMasks: number;
  multiTokenExamples: string[];
}

export type Report = FillMaskReport | ClassificationReport | EntityReport | SquadMetrics;

/** Accumulates rows of one task; `finish()` gives the metrics. */
export interface Evaluator {
  add(row: Record<string, unknown>): Promise<void>;
  finish(): Report;
}

function fillMask(model: Model): Evaluator {
  const ranks: (number | null)[] = [];
  let multi = 0;
  const multiExamples: string[] = [];
  return {
    async add(row) {
      // rcds/wikipedia-for-mask-filling: `texts` with RoBERTa's <mask>, `masks` the words; or text + answers.
      const text = typeof row['texts'] === 'string' ? row['texts'].replace(/<mask>/g, '[MASK]') : row['text'];
      const words = row['masks'] ?? row['answers'];
      if (typeof text !== 'string') throw bad('a fill-mask row needs "texts" (with <mask>) or "text" (with [MASK])');
      if (!isStrings(words)) throw bad('a fill-mask row needs "masks" or "answers": the list of masked words');
      const out = await model.fillMask(text, { topK: 10 });
      if (out.length !== words.length) throw bad(`the text has ${out.length} masks but ${words.length} masked words are given`);
      words.forEach((w, i) => {
        const ids = model.tokenizer.encode(w.trim(), undefined, { addSpecialTokens: false }).ids;
        if (ids.length !== 1) {
          multi++;
          if (multiExamples.length < 10) multiExamples.push(w);
          return;
        }
        const r = out[i]!.findIndex((c) => c.token === ids[0]);
        ranks.push(r < 0 ? null : r + 1);
      });
    },
    finish: () => ({ ...rankMetrics(ranks), multiTokenMasks: multi, multiTokenExamples: multiExamples }),
  };
}

function labelName(model: Model, v: unknown): string {
  const names = model.info.config.id2label;
  if (typeof v === 'number' && Number.isInteger(v)) {
    const n = names[v];
    if (n === undefined) throw bad(`label ${v} is outside the model's ${names.length} labels`);
    return n;
  }
  if (typeof v === 'string') return v;
  throw bad('Expected a label name or index for "label"');
}

function textClassification(model: Model): Evaluator {
  const gold: string[] = [];
  const pred: string[] = [];
  return {
    async add(row) {
      if (typeof row['text'] !== 'string') throw bad('a text-classification row needs "text" and "label"');
      const g = labelName(model, row['label']);
      const p = await model.classify(row['text'], { topK: 1 });
      gold.push(g);
      pred.push(p.label);
    },
    finish: () => classificationReport(gold, pred, model.info.config.id2label),
  };
}

function tokenClassification(model: Model): Evaluator {
  const gold: string[][] = [];
  const pred: string[][] = [];
  return {
    async add(row) {
      const tokens = row['tokens'];
      const tags = row['ner_tags'];
      if (!isStrings(tokens) || !Array.isArray(tags) || tags.length !== tokens.length) {
        throw bad('a token-classification row needs "tokens" and as many "ner_tags"');
      }
      // Words joined by single spaces; each word takes its first sub-token's label, as HF's
      // token-classification training and evaluation scripts do.
      const starts: number[] = [];
      let text = '';
      for (const t of tokens) {
        if (text) text += ' ';
        starts.push(text.length);
        text += t;
      }
      const entities = (await model.tokenClassify(text, { aggregationStrategy: 'none' })) as TokenEntity[];
      const byStart = new Map<number, string>();
      for (const e of entities) if (!byStart.has(e.start)) byStart.set(e.start, e.entity);
      gold.push(tags.map((t) => labelName(model, t)));
      pred.push(starts.map((s) => byStart.get(s) ?? 'O'));
    },
    finish: () => entityReport(gold, pred),
  };
}

function questionAnswering(model: Model): Evaluator {
  const examples: { prediction: string; answers: string[] }[] = [];
  return {
    async add(row) {
      const answers = (row['answers'] as { text?: unknown } | undefined)?.text ?? row['answers'];
      if (typeof row['question'] !== 'string' || typeof row['context'] !== 'string' || !isStrings(answers) || answers.length === 0) {
        throw bad('a question-answering row needs "question", "context" and "answers" ({"text": [...]} as in SQuAD)');
      }
      const a = await model.answerQuestion({ question: row['question'], context: row['context'] }, { topK: 1 });
      examples.push({ prediction: a.answer, answers });
    },
    finish: () => squadMetrics(examples),
  };
}

export function evaluator(task: EvalTask, model: Model): Evaluator {
  switch (task) {
    case 'fill-mask':
      return fillMask(model);
    case 'text-classification':
      return textClassification(model);
    case 'token-classification':
      return tokenClassification(model);
    case 'question-answering':
      return questionAnswering(model);
  }
}
