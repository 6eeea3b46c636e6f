/**
 * What every CLI command shares: the usage-error type, option parsers, reading TEXTs from
 * stdin, and printing errors (plain or `--json`). Commands use only the public API.
 */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_MODEL } from '../hub';
import { isDistilBertError, loadModel, type Model } from '../index';

/** A command-line mistake: printed with a pointer to `--help`, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit statuses: 0 done, 1 a model or input error, 2 a usage error. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** The largest --top-k: the API's topK limit (2^31 - 1). */
export const MAX_TOP_K = 2 ** 31 - 1;

/** commander argParser for an integer within [min, max]; its message names the flag. */
export function integerOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = /^-?[0-9]+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const what = min === 1 && max >= Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer from ${min} to ${max}`;
      throw new InvalidArgumentError(`${flag} must be ${what}, got "${value}"`);
    }
    return n;
  };
}

/** commander argParser for one of a closed list of words. */
export function choiceOption<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${flag} must be one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/**
 * The TEXT arguments, or, when none were given and stdin is not a terminal, one text per line
 * of stdin (a trailing newline does not add an empty text).
 */
export function textsFrom(positionals: string[], what = 'TEXT'): string[] {
  if (positionals.length > 0) return positionals;
  if (process.stdin.isTTY) throw new UsageError(`give at least one ${what}, or pipe them on stdin, one per line`);
  const data = fs.readFileSync(0, 'utf8');
  const lines = data.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new UsageError(`stdin held no ${what}; give at least one, one per line`);
  return lines;
}

/** API option names whose flag is not simply their kebab-case form. */
const FLAG_OF: Readonly<Record<string, string>> = {
  functionToApply: '--function',
  aggregationStrategy: '--aggregation',
  ignoreLabels: '--ignore',
  normalize: '--no-normalize',
  addSpecialTokens: '--no-special',
};

/**
 * A message of the API in the command's words: `options.topK` becomes `--top-k` (the flag of
 * the command that ran, when it has one) and a bad model path names `--model`.
 */
export function inFlagTerms(message: string, command?: Command): string {
  if (!command) return message;
  const flags = new Map(command.options.filter((o) => o.long).map((o) => [o.attributeName(), o.long!]));
  const flagOf = (name: string): string | undefined => {
    const flag = FLAG_OF[name] ?? flags.get(name);
    return flag !== undefined && command.options.some((o) => o.long === flag) ? flag : undefined;
  };
  return message
    .replace(/\boptions\.([A-Za-z_]\w*)/g, (whole, name: string) => flagOf(name) ?? whole)
    .replace(/ for path but received/, (whole) => (flagOf('model') ? ' for --model but received' : whole));
}

/** Writes an error the way the command was asked to: `error [CODE]: …` or one JSON line. */
export function reportError(e: unknown, json: boolean, command?: Command): number {
  if (e instanceof UsageError) {
    if (json) process.stderr.write(JSON.stringify({ error: { code: 'USAGE', message: e.message } }) + '\n');
    else process.stderr.write(`error: ${e.message}\n(see --help)\n`);
    return EXIT_USAGE;
  }
  if (isDistilBertError(e)) {
    const message = inFlagTerms(e.message, command);
    if (json) process.stderr.write(JSON.stringify({ error: { code: e.code, message } }) + '\n');
    else process.stderr.write(`error [${e.code}]: ${message}\n`);
    return EXIT_ERROR;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (json) process.stderr.write(JSON.stringify({ error: { code: 'DBN_INTERNAL', message } }) + '\n');
  else process.stderr.write(`error [DBN_INTERNAL]: ${message}\n${e instanceof Error && e.stack ? e.stack + '\n' : ''}`);
  return EXIT_ERROR;
}

/** Options every model command takes. */
export interface ModelFlags {
  model?: string;
  device?: string;
  threads?: number;
  dtype?: 'float32' | 'bfloat16';
  json?: boolean;
}

/** `--model`, or distilbert-base-uncased through the Hugging Face cache when it is not given. */
export function requireModel(flags: { model?: string }): string {
  return flags.model ?? DEFAULT_MODEL;
}

/** Adds the options every model command takes: --model, --device, --dtype, --threads, --json. */
export function modelOptions(command: Command, json: string): Command {
  return command
    .option('-m, --model <DIR|ID>', `model directory or Hugging Face Hub id (default ${DEFAULT_MODEL}, through the cache)`)
    .option('--device <DEVICE>', 'auto (default: CUDA when there is one, else the CPU), cpu, cuda or cuda:N')
    .option('--dtype <DTYPE>', 'float32 or bfloat16', choiceOption('--dtype', ['float32', 'bfloat16'] as const))
    .option('--threads <N>', 'intra-op threads (default: all cores)', integerOption('--threads', 0, 1024))
    .option('--json', json);
}

/** Loads the model the flags name, runs `fn` on it, and disposes it whatever happens. */
export async function withModel<T>(flags: ModelFlags, fn: (model: Model) => Promise<T>): Promise<T> {
  const model = await loadModel(requireModel(flags), { device: flags.device, dtype: flags.dtype, threads: flags.threads });
  try {
    return await fn(model);
  } finally {
    await model.dispose();
  }
}

/** JSON with typed arrays written as plain arrays (JSON.stringify makes objects of them). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as Float32Array) : v));
}
