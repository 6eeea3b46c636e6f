/**
 * `distilbert-native evaluate TASK --data PATH`: the task's metrics over a JSONL/CSV dataset
 * (or a folder of them), a report table (or the same report as one JSON object with --json),
 * throughput in examples/s. Rows that cannot be scored (bad fields, too long, no mask) are
 * counted by error code, not silently dropped.
 */
import type { Command } from 'commander';
import { isDistilBertError, loadModel } from '../index';
import { EVAL_TASKS, evaluator, type EvalTask, type Report } from '../eval/tasks';
import type { PRF } from '../eval/metrics';
import { DEFAULT_MODEL } from '../hub';
import { choiceOption, integerOption } from './common';
import { inputFiles, readInput, totalBytes } from './batchInput';
import { formatEta, progressBar } from './progress';

interface EvaluateFlags {
  model?: string;
  data: string;
  limit?: number;
  json?: boolean;
  concurrency: number;
  device?: string;
  dtype?: 'float32' | 'bfloat16';
  threads?: number;
}

const f4 = (x: number) => x.toFixed(4);

function prfTable(rows: Record<string, PRF>): string {
  const names = Object.keys(rows);
  const w = Math.max(5, ...names.map((n) => n.length));
  let s = `  ${'label'.padEnd(w)}  precision  recall     f1  support\n`;
  for (const n of names) {
    const r = rows[n]!;
    s += `  ${n.padEnd(w)}  ${f4(r.precision).padStart(9)}  ${f4(r.recall).padStart(6)}  ${f4(r.f1).padStart(6)}  ${String(r.support).padStart(7)}\n`;
  }
  return s;
}

function table(task: EvalTask, r: Report): string {
  const rec = r as unknown as Record<string, unknown>;
  let s = '';
  const scalar = Object.entries(rec).filter(([, v]) => typeof v === 'number');
  for (const [k, v] of scalar) s += `  ${k.padEnd(16)} ${Number.isInteger(v) ? String(v) : f4(v as number)}\n`;
  if (task === 'fill-mask' && (rec['multiTokenExamples'] as string[]).length > 0) {
    s += `  (masked words that are not one vocabulary token, not scored, e.g. ${(rec['multiTokenExamples'] as string[]).join(', ')})\n`;
  }
  if (rec['perLabel']) s += prfTable(rec['perLabel'] as Record<string, PRF>);
  if (rec['perType']) s += prfTable(rec['perType'] as Record<string, PRF>);
  if (rec['confusion']) {
    const labels = rec['labels'] as string[];
    const w = Math.max(4, ...labels.map((l) => l.length));
    s += `  confusion (rows gold, columns predicted)\n  ${''.padEnd(w)} ${labels.map((l) => l.padStart(w)).join(' ')}\n`;
    (rec['confusion'] as number[][]).forEach((row, i) => (s += `  ${labels[i]!.padEnd(w)} ${row.map((c) => String(c).padStart(w)).join(' ')}\n`));
  }
  return s;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('score a model on a labelled dataset: fill-mask, text-classification, token-classification, question-answering')
    .argument('<TASK>', EVAL_TASKS.join(', '), choiceOption('TASK', EVAL_TASKS))
    .requiredOption('-d, --data <PATH>', 'JSONL or CSV rows (or a folder of them)')
    .option('-m, --model <DIR|HF_ID>', `model directory or Hub id (default ${DEFAULT_MODEL} from the Hugging Face cache)`)
    .option('-n, --limit <N>', 'score only the first N rows', integerOption('--limit', 1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'print the report as one JSON object')
    .option('--concurrency <N>', 'rows in flight (default 64)', integerOption('--concurrency', 1, 65536), 64)
    .option('--device <DEVICE>', 'auto (default: CUDA when there is one, else the CPU), cpu, cuda or cuda:N')
    .option('--dtype <DTYPE>', 'float32 or bfloat16', choiceOption('--dtype', ['float32', 'bfloat16'] as const))
    .option('--threads <N>', 'intra-op threads', integerOption('--threads', 0, 1024))
    .action(async (task: EvalTask, opts: EvaluateFlags) => {
      const files = inputFiles(opts.data);
      const modelId = opts.model ?? DEFAULT_MODEL;
      const model = await loadModel(modelId, { device: opts.device, dtype: opts.dtype, threads: opts.threads });
      const ev = evaluator(task, model);
      const failed: Record<string, number> = {};
      let rows = 0;
      let bytes = 0;
      const total = totalBytes(files);
      const t0 = Date.now();
      const bar = progressBar('evaluate', ['rows', 'rate', 'eta'], (_v, _t, p) => `${p['rows']} ${p['rate']} eta ${p['eta']}`);
      const tick = () => {
        const s = Math.max((Date.now() - t0) / 1000, 1e-3);
        const frac = opts.limit ? rows / opts.limit : bytes / Math.max(total, 1);
        bar.update(Math.round(frac * 1000), 1000, { rows: `${rows} rows`, rate: `${(rows / s).toFixed(1)} examples/s`, eta: frac > 0 ? formatEta((s * (1 - frac)) / frac) : '?' });
      };
      const window: Promise<void>[] = [];
      try {
        for await (const item of readInput(files)) {
          if (opts.limit !== undefined && rows >= opts.limit) break;
          rows++;
          bytes = item.bytes;
          const p = item.error !== undefined
            ? Promise.reject(Object.assign(new Error(item.error), { code: 'DBN_INVALID_ARGUMENT' }))
            : ev.add(item.row!);
          window.push(
            p.catch((e: unknown) => {
              const code = isDistilBertError(e) || (e as { code?: string }).code === 'DBN_INVALID_ARGUMENT' ? (e as { code: string }).code : 'DBN_INTERNAL';
              failed[code] = (failed[code] ?? 0) + 1;
            }),
          );
          if (window.length >= opts.concurrency) {
            await window.shift();
            if (rows % 64 === 0) tick();
          }
        }
        await Promise.all(window);
        tick();
      } finally {
        bar.stop();
        await model.dispose();
      }
      const seconds = (Date.now() - t0) / 1000;
      const metrics = ev.finish();
      const nFailed = Object.values(failed).reduce((a, b) => a + b, 0);
      const report = { task, model: modelId, data: opts.data, rows, scored: rows - nFailed, failed, seconds, examplesPerSecond: rows / Math.max(seconds, 1e-3), metrics };
      if (opts.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
        return;
      }
      let s = `${task} on ${opts.data} with ${modelId}\n`;
      s += `  rows             ${rows} (${rows - nFailed} scored${nFailed ? `, failed: ${Object.entries(failed).map(([c, n]) => `${c} ${n}`).join(', ')}` : ''})\n`;
      s += table(task, metrics);
      s += `  throughput       ${report.examplesPerSecond.toFixed(1)} examples/s (${seconds.toFixed(1)} s)\n`;
      process.stdout.write(s);
    });
}
