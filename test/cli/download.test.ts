/** `distilbert-native download` against the mock Hub (the CLI runs as a child; the mock in this process). */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, fixture } from '../helpers';
import { MockHub, repoFromDir, sha256 } from '../hub/mockHub';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
let hub: MockHub;
let dir: string;
let cache: string;

// Asynchronous: the mock Hub answers from this process's event loop while the child runs.
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  hub = await new MockHub({ lifetimeMs: 120_000 }).start();
  hub.add('distilbert-base-uncased', { files: repoFromDir(dir) });
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-dl-'));
});
afterAll(async () => {
  await hub.close();
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('distilbert-native download', () => {
  it('fetches into the cache with plain progress lines off a TTY, resuming a cut, then the batch default model uses it', async () => {
    hub.faults.cutAfter = { bytes: 500_000, times: 1 };
    const r = await cli(['download', 'distilbert-base-uncased']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const snap = r.stdout.trim();
    expect(snap).toBe(path.join(cache, 'models--distilbert-base-uncased', 'snapshots', hub.commits.get('distilbert-base-uncased')!));
    expect(r.stderr).toMatch(/^model\.safetensors: \d+\.\d MiB\/4\.0 MiB .*\/s eta/m);
    expect(r.stderr).toMatch(/^config\.json: /m);
    expect(sha256(fs.readFileSync(path.join(snap, 'model.safetensors')))).toBe(sha256(fs.readFileSync(path.join(dir, 'model.safetensors'))));
    expect(hub.requests.some((q) => q.range === `bytes=500000-${fs.statSync(path.join(dir, 'model.safetensors')).size - 1}`)).toBe(true);

    const again = await cli(['download', 'distilbert-base-uncased', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ path: snap });
    expect(again.stderr).toMatch(/model\.safetensors: already in the cache/);

    const input = path.join(cache, 'in.jsonl');
    fs.writeFileSync(input, '{"text":"a [MASK] day"}\n');
    const b = await cli(['batch', '--task', 'fill-mask', '-i', input, '-o', path.join(cache, 'out.jsonl')], { HF_HUB_OFFLINE: '1' });
    expect(b.code).toBe(0);
    expect(fs.readFileSync(path.join(cache, 'out.jsonl'), 'utf8')).toMatch(/^\{"line":1,"result":\[\[/);
  });

  it('a missing revision and an unknown repo exit 1 with the reason', async () => {
    const r = await cli(['download', 'distilbert-base-uncased', '--revision', 'v9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[DBN_MODEL_LOAD_FAILED\]: .*revision v9 \(404\)/);
    const g = await cli(['download', 'nobody/nothing']);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/HF_TOKEN/);
    expect((await cli(['download'])).code).toBe(2);
  });

  it('--cache-dir puts the files there', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-dl2-'));
    const r = await cli(['download', 'distilbert-base-uncased', '--cache-dir', other]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(other)).toBe(true);
    fs.rmSync(other, { recursive: true });
  });
});
