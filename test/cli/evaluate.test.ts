/**
 * `distilbert-native evaluate` end to end on random checkpoints. The metrics themselves are
 * tested against hand-computed vectors (test/unit/evalMetrics.test.ts); here each dataset is
 * built from what the model predicts, so the expected report is known by construction.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type TokenEntity } from '../../lib/index';
import { ROOT, fixture } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
let tmp: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const jsonl = (name: string, rows: unknown[]) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return f;
};

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-eval-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('distilbert-native evaluate', () => {
  it('fill-mask: rcds/wikipedia-for-mask-filling rows (texts with <mask>, masks) and text + answers', async () => {
    const dir = fixture('tiny-mlm-s1', ['--seed', '1']);
    const model = await loadModel(dir);
    const texts = ['paris is the <mask> of france.', 'the <mask> sat on the <mask>.', 'music is <mask>.'];
    const preds = await Promise.all(texts.map((t) => model.fillMask(t.replace(/<mask>/g, '[MASK]'), { topK: 10 })));
    await model.dispose();
    // Golds at known ranks: 1, 3, absent (a single-token word outside the top 10), and 2; plus one multi-token word.
    const top10 = new Set(preds.flatMap((p) => p.flatMap((c) => c.map((x) => x.token_str))));
    const outside = ['cat', 'dog', 'house', 'water', 'tree', 'book'].find((w) => !top10.has(w))!;
    const rows = [
      { texts: texts[0], masks: [preds[0]![0]![0]!.token_str], title: 't', id: 1 },
      { texts: texts[1], masks: [preds[1]![0]![2]!.token_str, outside] },
      { text: 'music is [MASK].', answers: [preds[2]![0]![1]!.token_str] },
      { text: 'music is [MASK].', answers: ['antidisestablishmentarianism'] },
      { text: 'no mask', answers: ['x'] },
      '{broken',
    ];
    const r = cli('evaluate', 'fill-mask', '--model', dir, '--data', jsonl('fm.jsonl', rows), '--json');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.rows).toBe(6);
    expect(rep.failed).toEqual({ DBN_NO_MASK: 1, DBN_INVALID_ARGUMENT: 1 });
    expect(rep.metrics.count).toBe(4);
    expect(rep.metrics['accuracy@1']).toBeCloseTo(1 / 4, 12);
    expect(rep.metrics['accuracy@5']).toBeCloseTo(3 / 4, 12);
    expect(rep.metrics['mrr@10']).toBeCloseTo((1 + 1 / 3 + 0 + 1 / 2) / 4, 12);
    expect(rep.metrics.multiTokenMasks).toBe(1);
    expect(rep.examplesPerSecond).toBeGreaterThan(0);
    const limited = JSON.parse(cli('evaluate', 'fill-mask', '--model', dir, '--data', path.join(tmp, 'fm.jsonl'), '--limit', '1', '--json').stdout);
    expect(limited.rows).toBe(1);
    expect(limited.metrics['accuracy@1']).toBe(1);
    const table = cli('evaluate', 'fill-mask', '--model', dir, '--data', path.join(tmp, 'fm.jsonl'));
    expect(table.stdout).toMatch(/accuracy@1 +0\.2500/);
    expect(table.stdout).toMatch(/throughput +[\d.]+ examples\/s/);
  });

  it('text-classification: accuracy, macro-F1, per-label table and confusion matrix', async () => {
    const dir = fixture('tiny-cls-s2', ['--arch', 'sequence-classification', '--seed', '2']);
    const model = await loadModel(dir);
    const texts = ['i love it', 'terrible film', 'it was fine', 'what a day', 'so sad', 'great'];
    const preds = await model.classify(texts);
    const labels = model.info.config.id2label;
    await model.dispose();
    // Rows 0-3 gold = prediction (by name and by index), rows 4-5 gold = another label.
    const rows = texts.map((text, i) => {
      const p = preds[i]!.label;
      if (i < 2) return { text, label: p };
      if (i < 4) return { text, label: labels.indexOf(p) };
      return { text, label: labels[(labels.indexOf(p) + 1) % labels.length] };
    });
    const rep = JSON.parse(cli('evaluate', 'text-classification', '--model', dir, '--data', jsonl('cls.jsonl', rows), '--json').stdout);
    expect(rep.metrics.accuracy).toBeCloseTo(4 / 6, 12);
    expect(rep.metrics.labels.slice(0, labels.length)).toEqual(labels);
    const total = (rep.metrics.confusion as number[][]).flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(6);
    const diag = (rep.metrics.confusion as number[][]).reduce((a, row, i) => a + row[i]!, 0);
    expect(diag).toBe(4);
    const t = cli('evaluate', 'text-classification', '--model', dir, '--data', path.join(tmp, 'cls.jsonl'));
    expect(t.stdout).toMatch(/confusion \(rows gold, columns predicted\)/);
    expect(t.stdout).toMatch(/macroF1 +0\.\d{4}/);
  });

  it('token-classification: gold = the predicted IOB2 tags gives F1 1; CoNLL rows with integer tags', async () => {
    const dir = fixture('tiny-tok-s3', ['--arch', 'token-classification', '--seed', '3']);
    const model = await loadModel(dir);
    const labels = model.info.config.id2label;
    const sentences = [['Ada', 'Lovelace', 'lived', 'in', 'London'], ['EU', 'rejects', 'German', 'call']];
    const rows = [];
    for (const tokens of sentences) {
      const text = tokens.join(' ');
      const ents = (await model.tokenClassify(text, { aggregationStrategy: 'none' })) as TokenEntity[];
      let at = 0;
      const tags = tokens.map((w) => {
        const start = text.indexOf(w, at);
        at = start + w.length;
        return ents.find((e) => e.start === start)?.entity ?? 'O';
      });
      rows.push({ tokens, ner_tags: tags.map((t) => labels.indexOf(t)) });
    }
    await model.dispose();
    const r = cli('evaluate', 'token-classification', '--model', dir, '--data', jsonl('ner.jsonl', rows), '--json');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.scored).toBe(2);
    // The fixture's labels are O, B-PER, I-PER, B-LOC, I-LOC; the random head predicts some of them.
    expect(Object.keys(rep.metrics.perType).length).toBeGreaterThan(0);
    expect(rep.metrics.f1).toBe(1);
    expect(rep.metrics.precision).toBe(1);
  });

  it('question-answering: SQuAD rows, exact match and F1', async () => {
    const dir = fixture('tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix']);
    const model = await loadModel(dir);
    const context = 'The Denver Broncos defeated the Carolina Panthers in Super Bowl 50 at Levi\'s Stadium in 2016.';
    const a = await model.answerQuestion({ question: 'Who won?', context });
    await model.dispose();
    const rows = [
      { id: '1', question: 'Who won?', context, answers: { text: [a.answer, 'x'], answer_start: [a.start, 0] } },
      { id: '2', question: 'Who won?', context, answers: { text: ['qqq zzz'], answer_start: [0] } },
    ];
    const rep = JSON.parse(cli('evaluate', 'question-answering', '--model', dir, '--data', jsonl('qa.jsonl', rows), '--json').stdout);
    expect(rep.metrics.exactMatch).toBeCloseTo(1 / 2, 12);
    expect(rep.metrics.f1).toBeCloseTo(1 / 2, 12);
  });

  it('usage errors exit 2', () => {
    expect(cli('evaluate', 'summarization', '--data', 'x').code).toBe(2);
    expect(cli('evaluate', 'fill-mask', '--data', path.join(tmp, 'none.jsonl')).code).toBe(2);
  });
});
