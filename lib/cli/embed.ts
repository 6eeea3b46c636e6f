/** `distilbert-native embed`: sentence embeddings from any DistilBERT checkpoint. */
import type { Command } from 'commander';
import { choiceOption, modelOptions, textsFrom, toJson, withModel, type ModelFlags } from './common';

interface EmbedFlags extends ModelFlags {
  pooling: 'mean' | 'cls';
  normalize: boolean;
}

export function register(program: Command): void {
  modelOptions(
    program
      .command('embed')
      .description('one vector per TEXT (mean or CLS pooling of the last hidden states)')
      .argument('[TEXT...]', 'texts; one per stdin line when none are given')
      .option('--pooling <HOW>', 'mean or cls', choiceOption('--pooling', ['mean', 'cls'] as const), 'mean')
      .option('--no-normalize', 'leave the vectors unnormalized (default: L2-normalized)'),
    'one line per TEXT: the vector as a JSON array',
  ).action(async (texts: string[], opts: EmbedFlags) => {
    const inputs = textsFrom(texts);
    const vectors = await withModel(opts, (model) =>
      model.embed(inputs, { pooling: opts.pooling, normalize: opts.normalize }),
    );
    let out = '';
    vectors.forEach((v, i) => {
      if (opts.json) {
        out += toJson(v) + '\n';
        return;
      }
      const head = Array.from(v.subarray(0, 6), (x) => x.toFixed(4)).join(', ');
      out += `${inputs[i]}\n  [${head}${v.length > 6 ? ', …' : ''}] (${v.length} values)\n`;
    });
    process.stdout.write(out);
  });
}
