/**
 * `distilbert-native serve`: the HTTP server (lib/server) on one loaded model. SIGTERM/SIGINT
 * turn /ready false, stop accepting, answer what was accepted, dispose the model and exit 0
 * within --grace-ms.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { loadModel } from '../index';
import { createServer } from '../server';
import { EXIT_ERROR, EXIT_OK, integerOption, requireModel, type ModelFlags } from './common';

interface ServeFlags extends ModelFlags {
  host: string;
  port: number;
  apiKey?: string;
  cors?: string;
  timeoutMs: number;
  graceMs: number;
  bodyLimit: number;
  maxInputs: number;
  maxQueue?: number;
  batchWait: BatchWait;
  log?: boolean;
}

type BatchWait = { adaptiveWait: boolean; maxWaitMs: number };

/** `--batch-wait adaptive|turn|MS` as loadModel's batching options. */
function batchWaitOption(value: string): BatchWait {
  if (value === 'adaptive') return { adaptiveWait: true, maxWaitMs: 0 };
  if (value === 'turn') return { adaptiveWait: false, maxWaitMs: 0 };
  const ms = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 1 && ms <= 60_000)) {
    throw new InvalidArgumentError(`--batch-wait must be adaptive, turn or a wait in ms from 1 to 60000, got "${value}"`);
  }
  return { adaptiveWait: false, maxWaitMs: ms };
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the model over HTTP: Azure ML /score, HF Inference POST /, OpenAI /v1/embeddings, /v1/<task>, playground at /')
    .option('-m, --model <DIR>', 'model directory (config.json, model.safetensors, tokenizer)')
    .option('--host <HOST>', 'address to bind', '127.0.0.1')
    .option('-p, --port <PORT>', 'port (0: any free one)', integerOption('--port', 0, 65535), 8080)
    .option('--device <DEVICE>', 'auto (default: CUDA when there is one, else the CPU), cpu, cuda or cuda:N')
    .option('--dtype <DTYPE>', 'float32 or bfloat16')
    .option('--threads <N>', 'intra-op threads', integerOption('--threads', 0, 1024))
    .option('--api-key <KEY>', 'require Authorization: Bearer KEY (default: $DBN_API_KEY)')
    .option('--cors <ORIGIN>', 'allow this browser origin')
    .option('--timeout-ms <MS>', 'per-request inference timeout', integerOption('--timeout-ms', 1, 3_600_000), 30_000)
    .option('--grace-ms <MS>', 'shutdown grace period', integerOption('--grace-ms', 0, 3_600_000), 10_000)
    .option('--body-limit <BYTES>', 'largest request body', integerOption('--body-limit', 1, 1 << 30), 1 << 20)
    .option('--max-inputs <N>', 'texts per request', integerOption('--max-inputs', 1, 1 << 20), 256)
    .option('--max-queue <N>', 'waiting calls before 429', integerOption('--max-queue', 1, 1 << 24))
    .option('--batch-wait <adaptive|turn|MS>', 'when a batch that is not full goes: adaptive (wait for as many callers as the last batch had, at most a tenth of its run), turn (the next event-loop turn), or a fixed wait in ms', batchWaitOption, { adaptiveWait: true, maxWaitMs: 0 })
    .option('--log', 'log every request (JSON lines on stdout)')
    .action(async (opts: ServeFlags) => {
      // A directory or a Hub id: loadModel resolves ids through the Hugging Face cache.
      const model = await loadModel(requireModel(opts), { device: opts.device, dtype: opts.dtype, threads: opts.threads, maxQueue: opts.maxQueue, ...opts.batchWait });
      const server = await createServer(model, {
        modelId: opts.model,
        apiKey: opts.apiKey ?? process.env.DBN_API_KEY,
        cors: opts.cors,
        timeoutMs: opts.timeoutMs,
        bodyLimit: opts.bodyLimit,
        maxInputs: opts.maxInputs,
        logger: opts.log === true,
      });
      const address = await server.app.listen({ host: opts.host, port: opts.port });
      process.stderr.write(`distilbert-native: serving ${opts.model} (${model.info.config.architecture}) on ${address}\n`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`distilbert-native: ${signal}, draining\n`);
          server.drain();
          const force = setTimeout(() => {
            process.stderr.write(`distilbert-native: grace period of ${opts.graceMs} ms over, closing connections\n`);
            server.app.server.closeAllConnections();
            process.exitCode = EXIT_ERROR;
          }, opts.graceMs);
          force.unref();
          server.app
            .close()
            .then(() => model.dispose())
            .then(() => {
              clearTimeout(force);
              process.exitCode ??= EXIT_OK;
              resolve();
            });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
