/** `distilbert-native embed`: sentence embeddings (or per-token ones) from any DistilBERT checkpoint. */
import type { Command } from 'commander';
import { choiceOption, modelOptions, textsFrom, toJson, withModel, type ModelFlags } from './common';

interface EmbedFlags extends ModelFlags {
  pooling: 'mean' | 'cls' | 'none';
  normalize: boolean;
}

const head = (v: Float32Array): string => `[${Array.from(v.subarray(0, 6), (x) => x.toFixed(4)).join(', ')}${v.length > 6 ? ', …' : ''}]`;

export function register(program: Command): void {
  modelOptions(
    program
      .command('embed')
      .description('one vector per TEXT (mean or CLS pooling of the last hidden states), or one per token (--pooling none)')
      .argument('[TEXT...]', 'texts; one per stdin line when none are given')
      .option('--pooling <HOW>', 'mean, cls, or none (every token\'s vector: model.embedTokens)', choiceOption('--pooling', ['mean', 'cls', 'none'] as const), 'mean')
      .option('--no-normalize', 'leave the vectors unnormalized (default: L2-normalized; with --pooling none, each token\'s)'),
    'one line per TEXT: the vector as a JSON array (--pooling none: an array of token vectors)',
  ).action(async (texts: string[], opts: EmbedFlags) => {
    const inputs = textsFrom(texts);
    let out = '';
    if (opts.pooling === 'none') {
      const tensors = await withModel(opts, (model) => model.embedTokens(inputs, { normalize: opts.normalize }));
      tensors.forEach((t, i) => {
        const [tokens, dim] = t.dims as [number, number];
        if (opts.json) out += toJson(t.tolist()) + '\n';
        else out += `${inputs[i]}\n  ${tokens} tokens × ${dim} values; first token ${head(t.data.subarray(0, dim))}\n`;
      });
      process.stdout.write(out);
      return;
    }
    const vectors = await withModel(opts, (model) =>
      model.embed(inputs, { pooling: opts.pooling as 'mean' | 'cls', normalize: opts.normalize }),
    );
    vectors.forEach((v, i) => {
      if (opts.json) {
        out += toJson(v) + '\n';
        return;
      }
      out += `${inputs[i]}\n  ${head(v)} (${v.length} values)\n`;
    });
    process.stdout.write(out);
  });
}
