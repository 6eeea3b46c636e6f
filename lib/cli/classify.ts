/** `distilbert-native classify`: text classification (a sequence-classification checkpoint). */
import type { Command } from 'commander';
import type { ClassifyLabel } from '../index';
import { choiceOption, integerOption, MAX_TOP_K, modelOptions, textsFrom, withModel, type ModelFlags } from './common';

interface ClassifyFlags extends ModelFlags {
  topK?: number;
  all?: boolean;
  function?: 'softmax' | 'sigmoid' | 'none';
}

export function register(program: Command): void {
  modelOptions(
    program
      .command('classify')
      .description('label each TEXT (DistilBertForSequenceClassification)')
      .argument('[TEXT...]', 'texts to classify; one per stdin line when none are given')
      .option('-k, --top-k <N>', 'labels per text, best first (default 1)', integerOption('--top-k', 1, MAX_TOP_K))
      .option('--all', 'every label, best first')
      .option('--function <FN>', 'softmax, sigmoid or none (default: as the config says)', choiceOption('--function', ['softmax', 'sigmoid', 'none'] as const)),
    'one line per TEXT: exactly what Model.classify returns for it',
  ).action(async (texts: string[], opts: ClassifyFlags) => {
    const inputs = textsFrom(texts);
    const topK = opts.all ? null : opts.topK;
    const results = await withModel(opts, (model) =>
      model.classify(inputs, { topK, functionToApply: opts.function }),
    );
    let out = '';
    results.forEach((r, i) => {
      if (opts.json) {
        out += JSON.stringify(r) + '\n';
        return;
      }
      const labels: ClassifyLabel[] = Array.isArray(r) ? r : [r];
      out += `${inputs[i]}\n`;
      for (const l of labels) out += `  ${l.score.toFixed(4)}  ${l.label}\n`;
    });
    process.stdout.write(out);
  });
}
