/**
 * Turns the `--model` value into a checkpoint directory. Today it takes a directory; a Hub
 * resolver (ids such as `distilbert-base-uncased`) slots in here and nowhere else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DistilBertError } from '../index';

export async function resolveModelPath(value: string): Promise<string> {
  const dir = path.resolve(value);
  if (fs.existsSync(dir)) return dir;
  throw new DistilBertError(
    'DBN_MODEL_LOAD_FAILED',
    `No model directory at ${dir}; give --model a directory holding config.json, model.safetensors and tokenizer.json (Hub ids are not resolved yet)`,
  );
}
