/**
 * `distilbert-native download <hf-id>`: what the engine needs from a Hub repository into
 * Python's cache (resumable, sha256-verified), one progress bar per file; prints the snapshot.
 */
import type { Command } from 'commander';
import { downloadModel, type HubProgress } from '../hub';
import { formatBytes, formatEta, progressBar, type Progress } from './progress';

interface DownloadFlags {
  revision?: string;
  cacheDir?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('download')
    .description("download a Hub model's config, tokenizer and model.safetensors into the Hugging Face cache")
    .argument('<HF_ID>', 'a Hub model id, e.g. distilbert-base-uncased or org/name')
    .option('--revision <REV>', 'branch, tag or commit (default main)')
    .option('--cache-dir <DIR>', 'cache directory (default HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub)')
    .option('--json', 'print {"path": snapshot} as one JSON line')
    .action(async (id: string, opts: DownloadFlags) => {
      let bar: Progress | undefined;
      let file = '';
      let started = 0;
      const onProgress = (e: HubProgress) => {
        if (e.status === 'cached') {
          process.stderr.write(`${e.file}: already in the cache (${formatBytes(e.total)})\n`);
          return;
        }
        if (e.file !== file) {
          bar?.stop();
          file = e.file;
          started = Date.now();
          bar = progressBar(e.file, ['bytes', 'rate', 'eta'], (v, t, p) => `${p['bytes']} ${p['rate']} eta ${p['eta']}`, 2000);
        }
        const rate = e.loaded / Math.max((Date.now() - started) / 1000, 1e-3);
        bar!.update(e.loaded, e.total, {
          bytes: `${formatBytes(e.loaded)}/${formatBytes(e.total)}`,
          rate: `${formatBytes(rate)}/s`,
          eta: formatEta((e.total - e.loaded) / rate),
        });
        if (e.status === 'done') {
          bar!.stop();
          bar = undefined;
          file = '';
        }
      };
      const dir = await downloadModel(id, { revision: opts.revision, cacheDir: opts.cacheDir, onProgress });
      process.stdout.write(opts.json ? JSON.stringify({ path: dir }) + '\n' : dir + '\n');
    });
}
