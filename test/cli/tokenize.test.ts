/** `distilbert-native tokenize`, run as a user would (`node dist/cli/main.js`). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type Tokenizer } from '../../lib/index';
import { ROOT, SHARED_DATA, requireSharedData } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
function cli(args: string[], input = '') {
  const r = spawnSync(process.execPath, [CLI, 'tokenize', ...args], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tok: Tokenizer;
beforeAll(async () => {
  requireSharedData();
  tok = await loadTokenizer(SHARED_DATA);
});

describe('distilbert-native tokenize', () => {
  it('--json prints one line per input with ids, tokens and offsets', () => {
    const r = cli(['--model', SHARED_DATA, '--json', 'Hello world!', 'naïve 😁']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const e = tok.encode('naïve 😁');
    expect(lines[1]).toEqual({ ids: e.ids, tokens: e.tokens, offsets: e.offsets });
  });

  it('reads one text per stdin line when no TEXT is given', () => {
    const r = cli(['--model', SHARED_DATA, '--json'], 'Hello world!\nnaïve 😁\n');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.ids)).toEqual([tok.encode('Hello world!').ids, tok.encode('naïve 😁').ids]);
  });

  it('prints readable rows, with --pair', () => {
    const r = cli(['--model', SHARED_DATA, '--pair', 'second', 'first']);
    expect(r.stdout).toContain('"first": 5 tokens');
    expect(r.stdout).toMatch(/3\s+2117\s+second\s+\[0, 6\) pair/);
  });

  it('--no-special leaves out [CLS] and [SEP]', () => {
    const r = cli(['--model', SHARED_DATA, '--json', '--no-special', 'hello']);
    expect(JSON.parse(r.stdout).tokens).toEqual(['hello']);
  });

  it('rejects bad usage with exit 2 and a message on stderr', () => {
    // No --model: distilbert-base-uncased from the cache; offline with an empty cache, exit 1 saying how to get it.
    const noModel = spawnSync(process.execPath, [CLI, 'tokenize', 'hello'], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1', HF_HUB_CACHE: path.join(ROOT, 'fixtures', 'scratch', 'empty-hf-cache') },
    });
    expect(noModel.status).toBe(1);
    expect(noModel.stderr).toMatch(/npx distilbert-native download distilbert-base-uncased/);
    expect(cli(['--model', SHARED_DATA]).code).toBe(2);
    const bogus = cli(['--model', SHARED_DATA, '--bogus', 'x']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/unknown option '--bogus'/);
    expect(bogus.stdout).toBe('');
  });
});
