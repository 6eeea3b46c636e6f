/**
 * Evaluation metrics, each as its reference defines it: ranking (accuracy@k, MRR@k),
 * classification (accuracy, per-label precision/recall/F1, macro-F1, confusion matrix; sklearn's
 * zero_division=0), entity-level P/R/F1 for IOB2 tags in seqeval's strict mode, and SQuAD v1.1's
 * exact match and F1 with its answer normalization. Every value is a fraction in [0, 1].
 * Pure functions: no model, no I/O.
 */

export interface RankMetrics {
  count: number;
  'accuracy@1': number;
  'accuracy@5': number;
  'mrr@10': number;
}

/** `ranks[i]`: the 1-based rank of the gold answer among the predictions, or null when absent. */
export function rankMetrics(ranks: readonly (number | null)[]): RankMetrics {
  const n = ranks.length;
  const frac = (f: (r: number | null) => number) => (n === 0 ? 0 : ranks.reduce((a: number, r) => a + f(r), 0) / n);
  return {
    count: n,
    'accuracy@1': frac((r) => (r !== null && r <= 1 ? 1 : 0)),
    'accuracy@5': frac((r) => (r !== null && r <= 5 ? 1 : 0)),
    'mrr@10': frac((r) => (r !== null && r <= 10 ? 1 / r : 0)),
  };
}

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

function prf(tp: number, predicted: number, support: number): PRF {
  const precision = predicted === 0 ? 0 : tp / predicted;
  const recall = support === 0 ? 0 : tp / support;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support };
}

export interface ClassificationReport {
  count: number;
  accuracy: number;
  macroF1: number;
  labels: string[];
  perLabel: Record<string, PRF>;
  /** confusion[i][j]: examples of gold labels[i] predicted as labels[j]. */
  confusion: number[][];
}

/** Labels: the given order, then any other label seen (gold or predicted), sorted. */
export function classificationReport(gold: readonly string[], pred: readonly string[], labelOrder: readonly string[] = []): ClassificationReport {
  if (gold.length !== pred.length) throw new Error(`gold has ${gold.length} labels but pred has ${pred.length}`);
  const seen = [...new Set([...gold, ...pred])].filter((l) => !labelOrder.includes(l)).sort();
  const labels = [...labelOrder, ...seen];
  const index = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  gold.forEach((g, i) => confusion[index.get(g)!]![index.get(pred[i]!)!]!++);
  const perLabel: Record<string, PRF> = {};
  labels.forEach((l, i) => {
    const tp = confusion[i]![i]!;
    const predicted = confusion.reduce((a, row) => a + row[i]!, 0);
    const support = confusion[i]!.reduce((a, b) => a + b, 0);
    perLabel[l] = prf(tp, predicted, support);
  });
  // Macro-F1 over the labels that occur in gold or predictions (sklearn's default labels).
  const present = labels.filter((l) => perLabel[l]!.support > 0 || pred.includes(l));
  const correct = gold.reduce((a, g, i) => a + (g === pred[i] ? 1 : 0), 0);
  return {
    count: gold.length,
    accuracy: gold.length === 0 ? 0 : correct / gold.length,
    macroF1: present.length === 0 ? 0 : present.reduce((a, l) => a + perLabel[l]!.f1, 0) / present.length,
    labels,
    perLabel,
    confusion,
  };
}

export interface Entity {
  type: string;
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * Entities of one IOB2 sequence in seqeval's strict mode: an entity is B-X followed by any
 * number of I-X. An I-X that does not continue a B-X / I-X of the same type starts nothing
 * (the lenient default would count it), and B-X I-Y is two broken pieces, only B-X counted.
 */
export function strictIob2Entities(tags: readonly string[]): Entity[] {
  const out: Entity[] = [];
  let cur: Entity | null = null;
  tags.forEach((tag, i) => {
    const m = /^([BI])-(.+)$/.exec(tag);
    if (m && m[1] === 'I' && cur && cur.type === m[2]) {
      cur.end = i + 1;
      return;
    }
    if (cur) out.push(cur);
    cur = m && m[1] === 'B' ? { type: m[2]!, start: i, end: i + 1 } : null;
  });
  if (cur) out.push(cur);
  return out;
}

export interface EntityReport {
  count: number;
  precision: number;
  recall: number;
  f1: number;
  perType: Record<string, PRF>;
}

/** seqeval `classification_report(mode='strict', scheme=IOB2)`: exact span and type matches, micro-averaged. */
export function entityReport(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]): EntityReport {
  if (gold.length !== pred.length) throw new Error(`gold has ${gold.length} sequences but pred has ${pred.length}`);
  const key = (s: number, e: Entity) => `${s}:${e.type}:${e.start}:${e.end}`;
  const goldSet = new Set<string>();
  const predSet = new Set<string>();
  const types = new Set<string>();
  gold.forEach((g, s) => {
    if (g.length !== pred[s]!.length) throw new Error(`sequence ${s}: ${g.length} gold tags but ${pred[s]!.length} predicted`);
    for (const e of strictIob2Entities(g)) (goldSet.add(key(s, e)), types.add(e.type));
    for (const e of strictIob2Entities(pred[s]!)) (predSet.add(key(s, e)), types.add(e.type));
  });
  const typeOf = (k: string) => k.split(':')[1]!;
  const perType: Record<string, PRF> = {};
  for (const t of [...types].sort()) {
    const g = [...goldSet].filter((k) => typeOf(k) === t);
    const p = [...predSet].filter((k) => typeOf(k) === t);
    perType[t] = prf(p.filter((k) => goldSet.has(k)).length, p.length, g.length);
  }
  const all = prf([...predSet].filter((k) => goldSet.has(k)).length, predSet.size, goldSet.size);
  return { count: gold.length, precision: all.precision, recall: all.recall, f1: all.f1, perType };
}

// Python's string.punctuation: the official script removes exactly these characters.
const PUNCT = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** The official SQuAD v1.1 normalize_answer: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunct = [...lower].filter((c) => !PUNCT.has(c)).join('');
  const noArticles = noPunct.replace(/\b(a|an|the)\b/g, ' ');
  // Python's str.split() with no argument splits on runs of any whitespace.
  return noArticles.split(/\s+/).filter(Boolean).join(' ');
}

export function exactMatch(prediction: string, truth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(truth) ? 1 : 0;
}

/** Token-overlap F1 of the normalized answers (v1.1: no common token gives 0, even when both are empty). */
export function squadF1(prediction: string, truth: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const t = normalizeAnswer(truth).split(' ').filter(Boolean);
  const counts = new Map<string, number>();
  for (const w of t) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      same++;
      counts.set(w, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / t.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface SquadMetrics {
  count: number;
  exactMatch: number;
  f1: number;
}

/** Each prediction scored against the best of its gold answers, averaged (fractions, not the script's percent). */
export function squadMetrics(examples: readonly { prediction: string; answers: readonly string[] }[]): SquadMetrics {
  const n = examples.length;
  const best = (f: (p: string, t: string) => number) =>
    n === 0 ? 0 : examples.reduce((a, e) => a + Math.max(0, ...e.answers.map((t) => f(e.prediction, t))), 0) / n;
  return { count: n, exactMatch: best(exactMatch), f1: best(squadF1) };
}
