/** The CLI, run as a user would: `node dist/cli/main.js` (compiled by `npm run build:ts`). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { ROOT, fixture } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
let dir: string;
let model: Model;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  model = await loadModel(dir);
});
afterAll(() => model?.dispose());

describe('distilbert-native fill-mask', () => {
  it('--json prints one line per input with exactly what fillMask returns', async () => {
    const inputs = ['Paris is the [MASK] of France.', 'Today is a [mask] day! And [MASK].'];
    const r = cli('fill-mask', '--model', dir, '--json', '--top-k', '10', ...inputs);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(2);
    const api = await model.fillMask(inputs, { topK: 10 });
    lines.forEach((line, i) => expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(api[i]))));
  });

  it('prints readable lines by default', () => {
    const r = cli('fill-mask', '--model', dir, '--top-k', '2', 'hello [MASK] world');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('hello [MASK] world');
    expect(lines.length).toBe(3);
    expect(lines[1]).toMatch(/^ {2}0\.\d{4} {2}\S/);
  });

  it('bad input gives a typed error and a non-zero exit', () => {
    const noMask = cli('fill-mask', '--model', dir, 'no mask');
    expect(noMask.code).toBe(1);
    expect(noMask.stderr).toMatch(/^error \[DBN_NO_MASK\]/);
    const badK = cli('fill-mask', '--model', dir, '--top-k', 'lots', 'a [MASK]');
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/--top-k must be an integer from 1 to 2147483647/);
    const missing = cli('fill-mask', '--model', '/no/such/dir', 'a [MASK]');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/DBN_MODEL_LOAD_FAILED/);
    // No --model: distilbert-base-uncased from the cache; offline with an empty cache says how to get it.
    const r = spawnSync(process.execPath, [CLI, 'fill-mask', 'a [MASK]'], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1', HF_HUB_CACHE: path.join(ROOT, 'fixtures', 'scratch', 'empty-hf-cache') },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/distilbert-base-uncased .*npx distilbert-native download distilbert-base-uncased/);
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('fill-mask', '--model', dir, '--bogus', 'a [MASK]').code).toBe(2);
  });

  it.each([
    ['an empty string', [''], 1, /DBN_NO_MASK/],
    ['only special tokens', ['[CLS] [SEP]'], 1, /DBN_NO_MASK/],
    ['control characters (argv cannot hold NUL)', ['a\u0001b [MASK]'], 0, /^\[\[/],
    ['an input over the max length', ['w '.repeat(700) + '[MASK]'], 1, /DBN_INPUT_TOO_LONG/],
    ['a huge top-k', ['--top-k', '1000000', 'a [MASK]'], 0, /^\[\[/],
    ['a negative top-k', ['--top-k', '-2', 'a [MASK]'], 2, /--top-k/],
    ['unknown target words', ['--targets', 'qqqzzz,cat', 'a [MASK]'], 0, /^\[\[/],
    ['targets that map to nothing', ['--targets', ' ', 'a [MASK]'], 1, /DBN_INVALID_ARGUMENT/],
  ] as [string, string[], number, RegExp][])('bad input through the CLI: %s', (_name, args, code, pattern) => {
    const r = cli('fill-mask', '--model', dir, '--json', ...args);
    expect(r.code).toBe(code);
    expect(code === 0 ? r.stdout : r.stderr).toMatch(pattern);
  });
});
