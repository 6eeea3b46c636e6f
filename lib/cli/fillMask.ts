/** `distilbert-native fill-mask`: the masked words' top-k, readable or one JSON line per TEXT. */
import type { Command } from 'commander';
import { integerOption, MAX_TOP_K, modelOptions, textsFrom, withModel, type ModelFlags } from './common';

interface FillMaskFlags extends ModelFlags {
  topK?: number;
  targets?: string;
}

export function register(program: Command): void {
  modelOptions(
    program
      .command('fill-mask')
      .description('predict the [MASK] words (any letter case) of each TEXT')
      .argument('[TEXT...]', 'texts with at least one [MASK]; one per stdin line when none are given')
      .option('-k, --top-k <N>', 'candidates per mask (default 5)', integerOption('--top-k', 1, MAX_TOP_K))
      .option('--targets <WORD,WORD>', 'score only these words'),
    'one line per TEXT: exactly what Model.fillMask returns for it',
  ).action(async (texts: string[], opts: FillMaskFlags) => {
    const inputs = textsFrom(texts);
    const results = await withModel(opts, (model) =>
      model.fillMask(inputs, { topK: opts.topK, targets: opts.targets?.split(',') }),
    );
    let out = '';
    results.forEach((masks, i) => {
      if (opts.json) {
        out += JSON.stringify(masks) + '\n';
        return;
      }
      out += `${inputs[i]}\n`;
      masks.forEach((candidates, m) => {
        if (masks.length > 1) out += `  mask ${m + 1}:\n`;
        for (const c of candidates) out += `  ${c.score.toFixed(4)}  ${c.token_str.padEnd(14)} ${c.sequence}\n`;
      });
    });
    process.stdout.write(out);
  });
}
