/**
 * The `distilbert-native` command line: one file per command, each registering itself on a
 * commander program. `main()` parses, runs and maps failures to exit statuses (0 done, 1 a
 * model or input error, 2 a usage error); usage and errors go to stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE, reportError } from './common';
import { register as batch } from './batch';
import { register as classify } from './classify';
import { register as doctor } from './doctor';
import { register as download } from './download';
import { register as embed } from './embed';
import { register as evaluate } from './evaluate';
import { register as fillMask } from './fillMask';
import { register as info } from './info';
import { register as ner } from './ner';
import { register as qa } from './qa';
import { register as serve } from './serve';
import { register as tokenize } from './tokenize';

/** Every command, in the order `--help` lists them. */
const COMMANDS: ((program: Command) => void)[] = [
  fillMask, classify, ner, qa, embed, tokenize, info, serve, download, batch, evaluate, doctor,
];

function packageVersion(): string {
  const pkg = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export function createProgram(): Command {
  const program = new Command('distilbert-native')
    .description('DistilBERT at native speed: fill-mask, classification, NER, QA, embeddings')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const add of COMMANDS) add(program);
  program.commands.forEach((c) => c.showHelpAfterError('(add --help for usage)'));
  // Usage errors surface as CommanderError (exit code 1 by commander's choice): we map them to 2.
  program.exitOverride();
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that finished but failed (doctor finding an error) said so in process.exitCode.
    return typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end this way too, with exit code 0.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const command = program.commands.find((c) => c.name() === argv[0]);
    return reportError(e, command?.opts<{ json?: boolean }>().json === true, command);
  }
}
