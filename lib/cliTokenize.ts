/**
 * `distilbert-native tokenize --model DIR [--pair TEXT] [--no-special] [--json] TEXT...`
 * Prints ids, tokens and offsets (UTF-16 code units, as `text.slice(start, end)` takes them).
 */
import { parseArgs } from 'node:util';
import { loadTokenizer, type Encoding } from './Tokenizer';

export const TOKENIZE_USAGE = `  distilbert-native tokenize --model DIR [--pair TEXT] [--no-special] [--json] TEXT...

Tokenizes each TEXT (with --pair: each TEXT with that second text) using DIR's tokenizer.json
or vocab.txt (DIR may also be the file itself). With --json, prints one line per TEXT:
{"ids": [...], "tokens": [...], "offsets": [[start, end], ...]}.`;

/** A command-line mistake: the CLI prints it with the usage text and exits 2. */
export class UsageError extends Error {}

function usage(message: string): UsageError {
  return new UsageError(message);
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

export async function tokenizeCommand(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        pair: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-special': { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw usage((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (!values.model) throw usage('--model DIR is required');
  if (positionals.length === 0) throw usage('give at least one TEXT to tokenize');
  const tokenizer = await loadTokenizer(values.model);
  const pair = values.pair;
  const options = { addSpecialTokens: !values['no-special'] };
  const encodings = tokenizer.encodeBatch(
    positionals.map((t) => (pair === undefined ? t : ([t, pair] as [string, string]))),
    options,
  );
  let out = '';
  encodings.forEach((e, i) => {
    if (values.json) {
      out += JSON.stringify({ ids: e.ids, tokens: e.tokens, offsets: e.offsets }) + '\n';
    } else {
      out += human(positionals[i]!, pair, e);
    }
  });
  process.stdout.write(out);
}
