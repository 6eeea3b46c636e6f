/**
 * `distilbert-native batch`: a task over a JSONL / CSV file or folder, streamed, in input
 * order, one output line per input line (`{"line", "result"}` or `{"line", "error"}`).
 * Rows are handed to the model `--concurrency` at a time so its batcher can pack them; results
 * are written in order as the oldest settles, so memory holds at most that window.
 * `--resume` continues after the last complete output line; `--shard K/N` keeps input line L
 * when (L - 1) mod N = K.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { isDistilBertError, loadModel } from '../index';
import { DEFAULT_MODEL } from '../hub';
import { choiceOption, integerOption, MAX_TOP_K, UsageError } from './common';
import { inputFiles, readInput, totalBytes, type InputLine } from './batchInput';
import { formatEta, progressBar } from './progress';
import { runTask, runTaskMany, TASKS, type Task, type TaskFlags } from './tasks';

interface BatchFlags extends TaskFlags {
  model?: string;
  task: Task;
  input: string;
  output: string;
  resume?: boolean;
  shard?: { k: number; n: number };
  concurrency: number;
  device?: string;
  dtype?: 'float32' | 'bfloat16';
  threads?: number;
}

function shardOption(value: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 0 && k < n)) throw new InvalidArgumentError(`--shard must be K/N with 0 <= K < N, got "${value}"`);
  return { k, n };
}

/**
 * The last input line the output already holds; a torn last line (a kill mid-write) is cut
 * off first. Only the file's tail is read.
 */
export function resumePoint(output: string): number {
  let fd: number;
  try {
    fd = fs.openSync(output, 'r+');
  } catch {
    return 0;
  }
  try {
    const size = fs.fstatSync(fd).size;
    for (let chunk = 1 << 16; ; chunk *= 4) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const lastNl = buf.lastIndexOf(0x0a);
      const prevNl = lastNl > 0 ? buf.lastIndexOf(0x0a, lastNl - 1) : -1;
      if (start > 0 && prevNl < 0) continue; // the last complete line starts before this chunk
      const keep = lastNl < 0 ? 0 : start + lastNl + 1;
      if (keep < size) fs.ftruncateSync(fd, keep);
      if (keep === 0) return 0;
      let last: { line?: unknown };
      try {
        last = JSON.parse(buf.subarray(prevNl + 1, lastNl).toString('utf8')) as { line?: unknown };
      } catch {
        last = {};
      }
      if (typeof last.line !== 'number') throw new UsageError(`${output} does not end with a batch output line; cannot --resume it`);
      return last.line;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function register(program: Command): void {
  program
    .command('batch')
    .description('run a task over a JSONL/CSV file or folder: one JSON output line per input line, in order')
    .requiredOption('--task <TASK>', TASKS.join(', '), choiceOption('--task', TASKS))
    .requiredOption('-i, --input <PATH>', 'a .jsonl or .csv file, or a folder of them (sorted by name)')
    .requiredOption('-o, --output <FILE>', 'where the JSONL results go')
    .option('-m, --model <DIR|HF_ID>', `model directory or Hub id (default ${DEFAULT_MODEL} from the Hugging Face cache)`)
    .option('--column <NAME>', 'the text field or CSV column (default text, else input_string)')
    .option('-k, --top-k <N>', 'candidates per mask / labels per text / answers', integerOption('--top-k', 1, MAX_TOP_K))
    .option('--aggregation <STRATEGY>', 'token-classification aggregation (default simple)', choiceOption('--aggregation', ['none', 'simple', 'first', 'average', 'max'] as const))
    .option('--resume', 'continue after the last complete line of --output')
    .option('--shard <K/N>', 'process only input lines L with (L - 1) mod N = K', shardOption)
    .option('--concurrency <N>', 'rows in flight (default 256)', integerOption('--concurrency', 1, 65536), 256)
    .option('--device <DEVICE>', 'auto (default: CUDA when there is one, else the CPU), cpu, cuda or cuda:N')
    .option('--dtype <DTYPE>', 'float32 or bfloat16', choiceOption('--dtype', ['float32', 'bfloat16'] as const))
    .option('--threads <N>', 'intra-op threads', integerOption('--threads', 0, 1024))
    .action(async (opts: BatchFlags) => {
      const files = inputFiles(opts.input);
      if (fs.existsSync(opts.output) && !opts.resume) {
        throw new UsageError(`${opts.output} exists: pass --resume to continue it, or remove it`);
      }
      const after = opts.resume ? resumePoint(opts.output) : 0;
      const model = await loadModel(opts.model ?? DEFAULT_MODEL, { device: opts.device, dtype: opts.dtype, threads: opts.threads });
      const out = fs.createWriteStream(opts.output, { flags: 'a' });
      const total = totalBytes(files);
      const t0 = Date.now();
      let done = 0;
      let failed = 0;
      let bytes = 0;
      const bar = progressBar('batch', ['items', 'rate', 'tokens', 'eta'], (_v, _t, p) => `${p['items']} ${p['rate']} ${p['tokens']} eta ${p['eta']}`);
      const tick = () => {
        const s = (Date.now() - t0) / 1000 || 1e-3;
        const frac = total > 0 ? bytes / total : 0;
        bar.update(bytes, total, {
          items: `${done} done, ${failed} failed`,
          rate: `${(done / s).toFixed(1)} items/s`,
          tokens: `${(model.stats().tokens / s).toFixed(0)} tokens/s`,
          eta: frac > 0 ? formatEta((s * (1 - frac)) / frac) : '?',
        });
      };
      const one = async (item: InputLine): Promise<string> => {
        try {
          if (item.error !== undefined) return JSON.stringify({ line: item.line, error: { code: 'DBN_INVALID_ARGUMENT', message: item.error } });
          const result = await runTask(model, opts.task, item.row!, opts);
          return JSON.stringify({ line: item.line, result });
        } catch (e) {
          failed++;
          const code = isDistilBertError(e) ? e.code : 'DBN_INTERNAL';
          return JSON.stringify({ line: item.line, error: { code, message: (e as Error).message } });
        }
      };
      const write = async (s: string) => {
        done++;
        if (!out.write(s + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      };
      // Rows go to the model CHUNK at a time in one array call, as the in-process API would
      // take them; a chunk whose call rejects is rerun row by row so each line gets its own error.
      const CHUNK = 64;
      const many = async (items: InputLine[]): Promise<string[]> => {
        const ok = items.every((i) => i.error === undefined);
        const results = ok ? await runTaskMany(model, opts.task, items.map((i) => i.row!), opts) : undefined;
        if (results) return items.map((item, i) => JSON.stringify({ line: item.line, result: results[i] }));
        return Promise.all(items.map(one));
      };
      try {
        const window: Promise<string[]>[] = [];
        const inFlight = Math.max(1, Math.ceil(opts.concurrency / CHUNK));
        let chunk: InputLine[] = [];
        const flush = async () => {
          if (chunk.length === 0) return;
          window.push(many(chunk));
          chunk = [];
          if (window.length >= inFlight) {
            for (const s of await window.shift()!) await write(s);
            tick();
          }
        };
        for await (const item of readInput(files)) {
          bytes = item.bytes;
          if (opts.shard && (item.line - 1) % opts.shard.n !== opts.shard.k) continue;
          if (item.line <= after) continue;
          if (item.error !== undefined) failed++;
          chunk.push(item);
          if (chunk.length >= Math.min(CHUNK, opts.concurrency)) await flush();
        }
        await flush();
        while (window.length > 0) for (const s of await window.shift()!) await write(s);
        bytes = total;
        tick();
      } finally {
        bar.stop();
        await new Promise<void>((r) => out.end(() => r()));
        await model.dispose();
      }
      const s = (Date.now() - t0) / 1000;
      process.stderr.write(
        `batch: ${done} lines (${done - failed} ok, ${failed} failed${after ? `, resumed after line ${after}` : ''}) in ${s.toFixed(1)} s, ` +
          `${(done / Math.max(s, 1e-3)).toFixed(1)} items/s -> ${opts.output}\n`,
      );
    });
}
