/** `distilbert-native ner`: token classification (a token-classification checkpoint). */
import type { Command } from 'commander';
import type { AggregationStrategy } from '../index';
import { choiceOption, modelOptions, textsFrom, withModel, type ModelFlags } from './common';

interface NerFlags extends ModelFlags {
  aggregation: AggregationStrategy;
  ignore?: string;
}

const STRATEGIES = ['none', 'simple', 'first', 'average', 'max'] as const satisfies readonly AggregationStrategy[];

export function register(program: Command): void {
  modelOptions(
    program
      .command('ner')
      .description('find the entities of each TEXT (DistilBertForTokenClassification)')
      .argument('[TEXT...]', 'texts; one per stdin line when none are given')
      .option('-a, --aggregation <STRATEGY>', `${STRATEGIES.join(', ')}`, choiceOption('--aggregation', STRATEGIES), 'simple')
      .option('--ignore <LABEL,LABEL>', 'labels to leave out (default O)'),
    'one line per TEXT: exactly what Model.tokenClassify returns for it',
  ).action(async (texts: string[], opts: NerFlags) => {
    const inputs = textsFrom(texts);
    const results = await withModel(opts, (model) =>
      model.tokenClassify(inputs, {
        aggregationStrategy: opts.aggregation,
        ignoreLabels: opts.ignore === undefined ? undefined : opts.ignore.split(',').filter((l) => l !== ''),
      }),
    );
    let out = '';
    results.forEach((entities, i) => {
      if (opts.json) {
        out += JSON.stringify(entities) + '\n';
        return;
      }
      out += `${inputs[i]}\n`;
      for (const e of entities) {
        const label = 'entity_group' in e ? e.entity_group : e.entity;
        out += `  ${e.score.toFixed(4)}  ${label.padEnd(8)} [${e.start}, ${e.end})  ${JSON.stringify(e.word)}\n`;
      }
    });
    process.stdout.write(out);
  });
}
