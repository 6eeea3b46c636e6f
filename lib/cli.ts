#!/usr/bin/env node
/**
 * distilbert-native CLI.
 *   distilbert-native fill-mask --model DIR [--top-k N] [--targets w1,w2] [--json] TEXT...
 */
import { parseArgs } from 'node:util';
import { tokenizeCommand, TOKENIZE_USAGE, UsageError } from './cliTokenize';
import { isDistilBertError } from './errors';
import { loadModel } from './Model';

const USAGE = `usage:
  distilbert-native fill-mask --model DIR [--top-k N] [--targets WORD,WORD] [--device cpu|cuda]
                              [--threads N] [--json] TEXT...

Each TEXT needs at least one [MASK] (any letter case). With --json, prints one line per TEXT
holding exactly what Model.fillMask returns for it.
`;

function parseTopK(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`--top-k must be a positive integer, got "${value}"`);
  return Number(value);
}

async function fillMask(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      'top-k': { type: 'string' },
      targets: { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model) throw new UsageError('--model DIR is required');
  if (positionals.length === 0) throw new UsageError('give at least one TEXT containing [MASK]');
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !Number.isInteger(threads)) throw new UsageError(`--threads must be an integer, got "${values.threads}"`);
  const model = await loadModel(values.model, { device: values.device, threads });
  try {
    const results = await model.fillMask(positionals, {
      topK: parseTopK(values['top-k']),
      targets: values.targets?.split(','),
    });
    results.forEach((masks, i) => {
      if (values.json) {
        process.stdout.write(JSON.stringify(masks) + '\n');
        return;
      }
      process.stdout.write(`${positionals[i]}\n`);
      masks.forEach((candidates, m) => {
        if (masks.length > 1) process.stdout.write(`  mask ${m + 1}:\n`);
        for (const c of candidates) {
          process.stdout.write(`  ${c.score.toFixed(4)}  ${c.token_str.padEnd(14)} ${c.sequence}\n`);
        }
      });
    });
  } finally {
    await model.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'fill-mask') await fillMask(rest);
    else if (command === 'tokenize') await tokenizeCommand(rest);
    else if (command === undefined || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n${TOKENIZE_USAGE}\n`);
      return command === undefined ? 2 : 0;
    } else throw new UsageError(`unknown command "${command}"`);
    return 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const usageError =
      e instanceof UsageError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    if (usageError) {
      process.stderr.write(`error: ${(e as Error).message}\n\n${command === 'tokenize' ? TOKENIZE_USAGE : USAGE}\n`);
      return 2;
    }
    if (isDistilBertError(e)) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
