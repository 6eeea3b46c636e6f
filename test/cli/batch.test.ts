/** `distilbert-native batch` as a user runs it: order, per-line errors, CSV, folders, shards, kill + resume. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { ROOT, fixture } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
let dir: string;
let tmp: string;
let model: Model;

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lines = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; result?: unknown; error?: { code: string } });
const words = ['paris', 'city', 'river', 'the', 'a', 'small', 'house', 'green', 'music', 'book'];
function sentence(i: number): string {
  return `${words[i % 10]} ${words[(i * 7) % 10]} is [MASK] ${words[(i * 3) % 10]}.`;
}

beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-batch-'));
  model = await loadModel(dir);
});
afterAll(async () => {
  await model?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('distilbert-native batch', () => {
  it('one output line per input line, in order, results equal the API, failures typed and the job goes on', async () => {
    const input = path.join(tmp, 'mixed.jsonl');
    const rows = [
      JSON.stringify({ text: 'Paris is the [MASK] of France.' }),
      JSON.stringify({ text: 'no mask here' }),
      '{"text": broken',
      JSON.stringify({ text: 42 }),
      JSON.stringify({ input_string: 'Azure ML row with a [mask].' }),
      JSON.stringify({ text: 'w '.repeat(700) + '[MASK]' }),
      '',
      JSON.stringify({ text: 'Today is a [MASK] day!' }),
    ];
    fs.writeFileSync(input, rows.join('\n') + '\n');
    const out = path.join(tmp, 'mixed.out.jsonl');
    const r = cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', out, '-k', '3']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/batch: 8 lines \(3 ok, 5 failed\)/);
    const got = lines(out);
    expect(got.map((l) => l.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(got.map((l) => l.error?.code ?? 'ok')).toEqual([
      'ok', 'DBN_NO_MASK', 'DBN_INVALID_ARGUMENT', 'DBN_INVALID_ARGUMENT', 'ok', 'DBN_INPUT_TOO_LONG', 'DBN_INVALID_ARGUMENT', 'ok',
    ]);
    const api = await model.fillMask(['Paris is the [MASK] of France.', 'Azure ML row with a [mask].', 'Today is a [MASK] day!'], { topK: 3 });
    expect([got[0]!.result, got[4]!.result, got[7]!.result]).toEqual(JSON.parse(JSON.stringify(api)));
  });

  it('reads CSV with a named column and a folder of files as one numbered stream', () => {
    const folder = path.join(tmp, 'folder');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.csv'), 'id,sentence\n1,"hello, [MASK] world"\n2,"say ""[MASK]"" now"\n');
    fs.writeFileSync(path.join(folder, 'b.jsonl'), JSON.stringify({ sentence: 'third [MASK].' }) + '\n');
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'ignored');
    const out = path.join(tmp, 'folder.out.jsonl');
    const r = cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', folder, '-o', out, '--column', 'sentence', '-k', '1']);
    expect(r.code).toBe(0);
    const got = lines(out) as { line: number; result: { sequence: string }[][] }[];
    expect(got.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(got[0]!.result[0]![0]!.sequence).toMatch(/^hello, \S+ world$/);
    expect(got[1]!.result[0]![0]!.sequence).toMatch(/^say " \S+ " now$/);
  });

  it('feature-extraction writes plain arrays; other tasks refuse the wrong head per line', () => {
    const input = path.join(tmp, 'embed.jsonl');
    fs.writeFileSync(input, JSON.stringify({ text: 'a b' }) + '\n');
    const out = path.join(tmp, 'embed.out.jsonl');
    expect(cli(['batch', '--model', dir, '--task', 'feature-extraction', '-i', input, '-o', out]).code).toBe(0);
    const [row] = lines(out) as { result: number[] }[];
    expect(row!.result.length).toBe(model.info.config.dim);
    const out2 = path.join(tmp, 'cls.out.jsonl');
    expect(cli(['batch', '--model', dir, '--task', 'text-classification', '-i', input, '-o', out2]).code).toBe(0);
    expect(lines(out2)[0]!.error!.code).toBe('DBN_UNSUPPORTED_MODEL');
  });

  it('--shard K/N outputs merged by line equal the single run', () => {
    const input = path.join(tmp, 'shard.jsonl');
    fs.writeFileSync(input, Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: i % 9 === 4 ? 'none' : sentence(i) })).join('\n') + '\n');
    const single = path.join(tmp, 'single.jsonl');
    expect(cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', single]).code).toBe(0);
    const parts = [0, 1, 2].map((k) => {
      const o = path.join(tmp, `shard-${k}.jsonl`);
      expect(cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', o, '--shard', `${k}/3`]).code).toBe(0);
      const got = lines(o);
      expect(got.every((l) => (l.line - 1) % 3 === k)).toBe(true);
      return got;
    });
    const merged = parts.flat().sort((a, b) => a.line - b.line);
    expect(merged).toEqual(lines(single));
    expect(cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', path.join(tmp, 'x.jsonl'), '--shard', '3/3']).code).toBe(2);
  });

  it('--resume after a kill mid-run loses and doubles no line', async () => {
    const input = path.join(tmp, 'big.jsonl');
    const n = 6000;
    fs.writeFileSync(input, Array.from({ length: n }, (_, i) => JSON.stringify({ text: sentence(i) })).join('\n') + '\n');
    const full = path.join(tmp, 'big.full.jsonl');
    expect(cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', full, '-k', '2']).code).toBe(0);
    const out = path.join(tmp, 'big.killed.jsonl');
    const child = spawn(process.execPath, [CLI, 'batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', out, '-k', '2'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (fs.existsSync(out) && fs.statSync(out).size > 100_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await new Promise((r) => child.once('exit', r));
    const partial = fs.readFileSync(out, 'utf8');
    const before = partial.split('\n').length - 1;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(n);
    const r = cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', out, '-k', '2', '--resume']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/resumed after line \d+/);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(full, 'utf8'));
    // Without --resume an existing output is refused rather than appended to.
    expect(cli(['batch', '--model', dir, '--task', 'fill-mask', '-i', input, '-o', out]).stderr).toMatch(/pass --resume/);
  });

  it('usage errors exit 2; no --model uses distilbert-base-uncased from the cache and says how to get it', () => {
    const input = path.join(tmp, 'one.jsonl');
    fs.writeFileSync(input, '{"text":"a [MASK]"}\n');
    expect(cli(['batch', '--task', 'nope', '-i', input, '-o', path.join(tmp, 'n.jsonl')]).code).toBe(2);
    expect(cli(['batch', '--task', 'fill-mask', '-i', path.join(tmp, 'missing.jsonl'), '-o', path.join(tmp, 'n.jsonl')]).code).toBe(2);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-empty-cache-'));
    const r = cli(['batch', '--task', 'fill-mask', '-i', input, '-o', path.join(tmp, 'n.jsonl')], { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('distilbert-base-uncased');
    expect(r.stderr).toContain('npx distilbert-native download distilbert-base-uncased');
    expect(r.stderr).toContain('HF_ENDPOINT');
    expect(r.stderr).toContain('local model directory');
    fs.rmSync(cache, { recursive: true });
  });
});
