/**
 * `distilbert-native tokenize`: ids, tokens and offsets (UTF-16 code units, as
 * `text.slice(start, end)` takes them) from a model's tokenizer. Needs no model weights.
 */
import type { Command } from 'commander';
import { loadTokenizer, type Encoding } from '../index';
import { resolveModelPath } from '../hub';
import { requireModel, textsFrom } from './common';

interface TokenizeFlags {
  model?: string;
  pair?: string;
  special: boolean;
  json?: boolean;
}

function human(text: string, pair: string | undefined, e: Encoding): string {
  const rows = e.ids.map((id, i) => {
    const [s, end] = e.offsets[i]!;
    const seq = e.sequenceIds[i];
    const source = seq === 1 ? (pair ?? '') : text;
    const span = seq == null ? '' : JSON.stringify(source.slice(s, end));
    return `  ${String(i).padStart(4)}  ${String(id).padStart(6)}  ${e.tokens[i]!.padEnd(16)} [${s}, ${end})${seq === 1 ? ' pair' : ''}  ${span}`;
  });
  return `${JSON.stringify(text)}: ${e.ids.length} tokens\n${rows.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('tokenize')
    .description("tokenize each TEXT with a model's tokenizer.json or vocab.txt")
    .argument('[TEXT...]', 'texts to tokenize; one per stdin line when none are given')
    .option('-m, --model <DIR>', 'model directory, Hub id (default distilbert-base-uncased from the cache), or the tokenizer file itself')
    .option('--pair <TEXT>', 'a second text to pair with each TEXT')
    .option('--no-special', 'leave out [CLS] and [SEP]')
    .option('--json', 'one line per TEXT: {"ids": [...], "tokens": [...], "offsets": [[start, end], ...]}')
    .action(async (texts: string[], opts: TokenizeFlags) => {
      const tokenizer = await loadTokenizer(await resolveModelPath(requireModel(opts)));
      const inputs = textsFrom(texts);
      const pair = opts.pair;
      const encodings = tokenizer.encodeBatch(
        inputs.map((t) => (pair === undefined ? t : ([t, pair] as [string, string]))),
        { addSpecialTokens: opts.special },
      );
      let out = '';
      encodings.forEach((e, i) => {
        out += opts.json ? JSON.stringify({ ids: e.ids, tokens: e.tokens, offsets: e.offsets }) + '\n' : human(inputs[i]!, pair, e);
      });
      process.stdout.write(out);
    });
}
