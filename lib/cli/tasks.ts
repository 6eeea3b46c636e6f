/**
 * One row of `batch` / `evaluate` input → one library call, per task. A row gives `text` (or the
 * column named by --column, or Azure ML's `input_string`), or `question` + `context` for
 * question answering. Field mistakes reject DBN_INVALID_ARGUMENT like any library input error.
 */
import { DistilBertError, type Model } from '../index';

export const TASKS = ['fill-mask', 'text-classification', 'token-classification', 'question-answering', 'feature-extraction'] as const;
export type Task = (typeof TASKS)[number];

export interface TaskFlags {
  column?: string;
  topK?: number;
  aggregation?: 'none' | 'simple' | 'first' | 'average' | 'max';
}

function bad(message: string): DistilBertError {
  return new DistilBertError('DBN_INVALID_ARGUMENT', message);
}

function textOf(row: Record<string, unknown>, column?: string): string | string[] {
  const keys = column ? [column] : ['text', 'input_string'];
  const key = keys.find((k) => k in row);
  if (key === undefined) throw bad(`the row has no ${keys.map((k) => `"${k}"`).join(' or ')} field`);
  const v = row[key];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  throw bad(`Expected a string (or a non-empty array of strings) for "${key}" but received ${v === null ? 'null' : typeof v}`);
}

function stringField(row: Record<string, unknown>, key: string): string {
  const v = row[key];
  if (typeof v !== 'string') throw bad(`Expected a string for "${key}" but received ${v === undefined ? 'nothing' : v === null ? 'null' : typeof v}`);
  return v;
}

/** What the library returns for the row, JSON-ready (embeddings as plain arrays). */
export async function runTask(model: Model, task: Task, row: Record<string, unknown>, flags: TaskFlags): Promise<unknown> {
  switch (task) {
    case 'fill-mask': {
      const t = textOf(row, flags.column);
      return typeof t === 'string' ? model.fillMask(t, { topK: flags.topK }) : model.fillMask(t, { topK: flags.topK });
    }
    case 'text-classification': {
      const t = textOf(row, flags.column);
      return typeof t === 'string' ? model.classify(t, { topK: flags.topK ?? 1 }) : model.classify(t, { topK: flags.topK ?? 1 });
    }
    case 'token-classification': {
      const t = textOf(row, flags.column);
      const o = { aggregationStrategy: flags.aggregation ?? 'simple' };
      return typeof t === 'string' ? model.tokenClassify(t, o) : model.tokenClassify(t, o);
    }
    case 'question-answering':
      return model.answerQuestion({ question: stringField(row, 'question'), context: stringField(row, 'context') }, { topK: flags.topK ?? 1 });
    case 'feature-extraction': {
      const t = textOf(row, flags.column);
      if (typeof t === 'string') return Array.from(await model.embed(t));
      return (await model.embed(t)).map((v) => Array.from(v));
    }
  }
}

/**
 * Several rows in one library call (what the in-process API does with an array): the results
 * in row order, or undefined when a row is not one plain text or when the call rejects (one bad
 * row fails an array call), so the caller runs those rows one by one for per-line errors.
 */
export async function runTaskMany(model: Model, task: Task, rows: Record<string, unknown>[], flags: TaskFlags): Promise<unknown[] | undefined> {
  if (task === 'question-answering') return undefined;
  let found: (string | string[])[];
  try {
    found = rows.map((r) => textOf(r, flags.column));
  } catch {
    return undefined;
  }
  if (!found.every((t): t is string => typeof t === 'string')) return undefined;
  const texts = found as string[];
  try {
    switch (task) {
      case 'fill-mask':
        return await model.fillMask(texts, { topK: flags.topK });
      case 'text-classification':
        return await model.classify(texts, { topK: flags.topK ?? 1 });
      case 'token-classification':
        return await model.tokenClassify(texts, { aggregationStrategy: flags.aggregation ?? 'simple' });
      case 'feature-extraction':
        return (await model.embed(texts)).map((v) => Array.from(v));
    }
  } catch {
    return undefined;
  }
}
