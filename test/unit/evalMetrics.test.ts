/** lib/eval metrics against vectors computed by hand from their definitions and the references' published examples. */
import { describe, expect, it } from 'vitest';
import {
  classificationReport,
  entityReport,
  exactMatch,
  normalizeAnswer,
  rankMetrics,
  squadF1,
  squadMetrics,
  strictIob2Entities,
} from '../../lib/eval/metrics';

describe('rank metrics', () => {
  it('accuracy@1, accuracy@5, mrr@10 (0 beyond rank 10 and when absent)', () => {
    const m = rankMetrics([1, 3, null, 7, 12]);
    expect(m.count).toBe(5);
    expect(m['accuracy@1']).toBeCloseTo(1 / 5, 12);
    expect(m['accuracy@5']).toBeCloseTo(2 / 5, 12);
    expect(m['mrr@10']).toBeCloseTo((1 + 1 / 3 + 1 / 7) / 5, 12);
    expect(rankMetrics([])['mrr@10']).toBe(0);
  });
});

describe('classification report', () => {
  it('hand-computed: per-label P/R/F1, accuracy, macro-F1, confusion', () => {
    const r = classificationReport(['a', 'a', 'b', 'b', 'c'], ['a', 'b', 'b', 'b', 'a']);
    expect(r.labels).toEqual(['a', 'b', 'c']);
    expect(r.confusion).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
    expect(r.accuracy).toBeCloseTo(0.6, 12);
    expect(r.perLabel['a']).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.perLabel['b']!.precision).toBeCloseTo(2 / 3, 12);
    expect(r.perLabel['b']!.f1).toBeCloseTo(0.8, 12);
    expect(r.perLabel['c']).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(r.macroF1).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
  });

  it("sklearn's f1_score documentation example: macro 0.2666…", () => {
    const r = classificationReport(['0', '1', '2', '0', '1', '2'], ['0', '2', '1', '0', '0', '1']);
    expect(r.macroF1).toBeCloseTo(0.26666666666666666, 12);
    expect(r.accuracy).toBeCloseTo(1 / 3, 12);
  });

  it('keeps a given label order and lists labels only predicted', () => {
    const r = classificationReport(['x'], ['y'], ['z', 'x']);
    expect(r.labels).toEqual(['z', 'x', 'y']);
    expect(r.macroF1).toBe(0); // z appears nowhere and is not averaged
  });
});

describe('seqeval strict IOB2', () => {
  it("seqeval README example: MISC 0, PER 1, micro 0.5", () => {
    const yTrue = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    const yPred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    const r = entityReport(yTrue, yPred);
    expect(r.f1).toBeCloseTo(0.5, 12);
    expect(r.precision).toBeCloseTo(0.5, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.perType['MISC']).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(r.perType['PER']).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
  });

  it("seqeval README strict-mode example: I-NP I-NP is no entity (default mode would score 1.0)", () => {
    const r = entityReport([['B-NP', 'I-NP', 'O']], [['I-NP', 'I-NP', 'O']]);
    expect(r.perType['NP']).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('entity extraction by hand', () => {
    expect(strictIob2Entities(['B-PER', 'I-PER', 'B-PER', 'O', 'I-LOC', 'B-ORG', 'I-LOC', 'B-LOC'])).toEqual([
      { type: 'PER', start: 0, end: 2 },
      { type: 'PER', start: 2, end: 3 },
      { type: 'ORG', start: 5, end: 6 },
      { type: 'LOC', start: 7, end: 8 },
    ]);
    // 3 gold, 2 predicted, 1 exact match: P 1/2, R 1/3, F1 0.4.
    const r = entityReport([['B-PER', 'I-PER', 'O', 'B-LOC', 'B-ORG']], [['B-PER', 'I-PER', 'O', 'B-ORG', 'O']]);
    expect(r.precision).toBeCloseTo(0.5, 12);
    expect(r.recall).toBeCloseTo(1 / 3, 12);
    expect(r.f1).toBeCloseTo(0.4, 12);
  });
});

describe('SQuAD v1.1', () => {
  it('normalize_answer: lower case, no ASCII punctuation, no articles, single spaces', () => {
    expect(normalizeAnswer('The  Denver Broncos!')).toBe('denver broncos');
    expect(normalizeAnswer('an apple, a pear')).toBe('apple pear');
    expect(normalizeAnswer('theatre')).toBe('theatre');
    expect(normalizeAnswer('“quoted”')).toBe('“quoted”'); // not in string.punctuation
  });

  it('exact match and token F1 by hand', () => {
    expect(exactMatch('the Denver Broncos', 'Denver Broncos')).toBe(1);
    expect(squadF1('Broncos won', 'Denver Broncos')).toBeCloseTo(0.5, 12);
    expect(squadF1('x b b', 'b b c d')).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 12);
    expect(squadF1('a b b', 'b b c d')).toBeCloseTo(2 / 3, 12); // the article is dropped: p 1, r 1/2
    expect(squadF1('', '')).toBe(0);
    const m = squadMetrics([
      { prediction: 'Denver Broncos', answers: ['Carolina Panthers', 'the Denver Broncos'] },
      { prediction: 'Broncos won', answers: ['Denver Broncos'] },
    ]);
    expect(m.exactMatch).toBeCloseTo(0.5, 12);
    expect(m.f1).toBeCloseTo(0.75, 12);
  });

  it("the SQuAD metric card's example: 1976 vs 1976 is EM 100, F1 100", () => {
    expect(squadMetrics([{ prediction: '1976', answers: ['1976'] }])).toEqual({ count: 1, exactMatch: 1, f1: 1 });
  });
});
