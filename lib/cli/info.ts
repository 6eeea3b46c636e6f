/** `distilbert-native info`: what a model is (head, labels, sizes, dtype, device, files). */
import type { Command } from 'commander';
import { modelOptions, toJson, withModel, type ModelFlags } from './common';

export function register(program: Command): void {
  modelOptions(
    program.command('info').description("a model's head, labels, sizes, dtype, device and files"),
    'print model.info as one JSON object',
  ).action(async (opts: ModelFlags) => {
    const info = await withModel(opts, async (model) => model.info);
    if (opts.json) {
      process.stdout.write(toJson(info) + '\n');
      return;
    }
    const c = info.config;
    const rows: [string, string][] = [
      ['architecture', c.architecture],
      ['labels', c.id2label.length > 0 ? c.id2label.join(', ') : '(none)'],
      ['layers', String(c.nLayers)],
      ['hidden size', String(c.dim)],
      ['heads', String(c.nHeads)],
      ['FFN size', String(c.hiddenDim)],
      ['vocabulary', String(c.vocabSize)],
      ['max length', String(c.maxPositionEmbeddings)],
      ['parameters', `${(info.parameterBytes / 2 ** 20).toFixed(1)} MiB`],
      ['dtype', info.dtype],
      ['device', info.device],
      ['threads', String(info.threads)],
      ['format', info.format],
      ['engine', info.engine],
      ['weights', info.weightsPath],
    ];
    process.stdout.write(rows.map(([k, v]) => `${k.padEnd(13)} ${v}`).join('\n') + '\n');
  });
}
