/** `distilbert-native qa`: extractive question answering (a question-answering checkpoint). */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { Answer } from '../index';
import { integerOption, MAX_TOP_K, modelOptions, textsFrom, UsageError, withModel, type ModelFlags } from './common';

interface QaFlags extends ModelFlags {
  context?: string;
  contextFile?: string;
  topK?: number;
  docStride?: number;
  maxAnswerLen?: number;
}

function contextFrom(opts: QaFlags): string {
  if (opts.context !== undefined && opts.contextFile !== undefined) {
    throw new UsageError('give --context or --context-file, not both');
  }
  if (opts.contextFile !== undefined) return fs.readFileSync(opts.contextFile, 'utf8');
  if (opts.context === undefined) throw new UsageError('--context TEXT or --context-file PATH is required');
  return opts.context;
}

export function register(program: Command): void {
  modelOptions(
    program
      .command('qa')
      .description('answer each QUESTION from a context (DistilBertForQuestionAnswering)')
      .argument('[QUESTION...]', 'questions; one per stdin line when none are given')
      .option('-c, --context <TEXT>', 'the text to answer from')
      .option('--context-file <PATH>', 'read the context from a file')
      .option('-k, --top-k <N>', 'answers per question (default 1)', integerOption('--top-k', 1, MAX_TOP_K))
      .option('--doc-stride <N>', 'overlap between windows of a long context (default 128)', integerOption('--doc-stride', 0, 1 << 20))
      .option('--max-answer-len <N>', 'longest answer in tokens (default 15)', integerOption('--max-answer-len', 1, 1 << 20)),
    'one line per QUESTION: exactly what Model.answerQuestion returns for it',
  ).action(async (questions: string[], opts: QaFlags) => {
    const context = contextFrom(opts);
    const inputs = textsFrom(questions, 'QUESTION');
    const results = await withModel(opts, (model) =>
      model.answerQuestion(
        inputs.map((question) => ({ question, context })),
        { topK: opts.topK, docStride: opts.docStride, maxAnswerLen: opts.maxAnswerLen },
      ),
    );
    let out = '';
    results.forEach((r, i) => {
      if (opts.json) {
        out += JSON.stringify(r) + '\n';
        return;
      }
      const answers: Answer[] = Array.isArray(r) ? r : [r];
      out += `${inputs[i]}\n`;
      for (const a of answers) out += `  ${a.score.toFixed(4)}  [${a.start}, ${a.end})  ${JSON.stringify(a.answer)}\n`;
    });
    process.stdout.write(out);
  });
}
