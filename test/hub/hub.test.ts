/** Hub ids through loadModel and lib/hub against the mock Hub: layout, resume, verification, failures. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/index';
import { downloadModel, type HubProgress } from '../../lib/hub';
import { fixture, rejection } from '../helpers';
import { gitSha1, MockHub, repoFromDir, sha256 } from './mockHub';

let dir: string;
let hub: MockHub;
let cache: string;
const saved = { ...process.env };

beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  hub = await new MockHub({ lifetimeMs: 300_000, maxRequests: 5000 }).start();
  hub.add('org/tiny', { files: repoFromDir(dir), refs: { v1: '' } });
  hub.add('distilbert-base-uncased', { files: repoFromDir(dir) });
  hub.add('org/gated', { files: repoFromDir(dir), token: 'hf_mocktoken' });
  hub.add('org/pickle', { files: { ...repoFromDir(dir, ['config.json', 'tokenizer.json', 'vocab.txt']), 'pytorch_model.bin': Buffer.from('pickle') } });
});
afterAll(() => hub.close());
beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-hub-'));
  process.env['HF_HUB_CACHE'] = cache;
  process.env['HF_ENDPOINT'] = hub.url;
  delete process.env['HF_HUB_OFFLINE'];
  delete process.env['HF_TOKEN'];
  hub.requests.length = 0;
  hub.faults.cutAfter = undefined;
  hub.faults.corrupt = undefined;
});
afterEach(() => {
  for (const k of ['HF_HUB_CACHE', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'HF_TOKEN']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  fs.rmSync(cache, { recursive: true, force: true });
});

const storage = (repo: string) => path.join(cache, `models--${repo.replace('/', '--')}`);

function filesUnder(d: string): string[] {
  return fs.existsSync(d) ? fs.readdirSync(d, { recursive: true }).map(String).sort() : [];
}

describe('Hub ids in loadModel', () => {
  it('downloads into Python\'s layout, loads, and equals the same checkpoint loaded from its folder', async () => {
    const events: HubProgress[] = [];
    const model = await loadModel('org/tiny', { onProgress: (e) => events.push(e) });
    const local = await loadModel(dir);
    try {
      const text = 'Paris is the [MASK] of France.';
      expect(await model.fillMask(text, { topK: 5 })).toEqual(await local.fillMask(text, { topK: 5 }));
    } finally {
      await model.dispose();
      await local.dispose();
    }
    const s = storage('org/tiny');
    const commit = hub.commits.get('org/tiny')!;
    expect(fs.readFileSync(path.join(s, 'refs', 'main'), 'utf8')).toBe(commit);
    const weights = fs.readFileSync(path.join(dir, 'model.safetensors'));
    const config = fs.readFileSync(path.join(dir, 'config.json'));
    // LFS blobs are named by sha256, plain files by git sha1, as huggingface_hub names them.
    expect(filesUnder(path.join(s, 'blobs'))).toEqual(
      [sha256(weights), gitSha1(config), ...['tokenizer.json', 'vocab.txt', 'tokenizer_config.json'].map((f) => gitSha1(fs.readFileSync(path.join(dir, f))))].sort(),
    );
    const link = fs.readlinkSync(path.join(s, 'snapshots', commit, 'model.safetensors'));
    expect(link).toBe(path.join('..', '..', 'blobs', sha256(weights)));
    expect(events.filter((e) => e.status === 'done').map((e) => e.file).sort()).toEqual(
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'],
    );
    const last = events.filter((e) => e.file === 'model.safetensors' && e.status === 'download').at(-1)!;
    expect(last.loaded).toBe(weights.length);
    expect(hub.requests.some((r) => r.url.startsWith('/api/models/org/tiny/revision/main'))).toBe(true);
  });

  it('a second load needs no network: offline, and with the Hub unreachable', async () => {
    await downloadModel('org/tiny');
    hub.requests.length = 0;
    process.env['HF_HUB_OFFLINE'] = '1';
    const a = await loadModel('org/tiny');
    await a.dispose();
    delete process.env['HF_HUB_OFFLINE'];
    const b = await loadModel('org/tiny', { localFilesOnly: true });
    await b.dispose();
    expect(hub.requests).toEqual([]);
    process.env['HF_ENDPOINT'] = 'http://127.0.0.1:9'; // nothing listens on the discard port
    const c = await loadModel('org/tiny');
    await c.dispose();
  });

  it('offline with nothing cached says exactly how to get the model', async () => {
    const e = await rejection(loadModel('distilbert-base-uncased', { localFilesOnly: true }));
    expect(e.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e.message).toContain('npx distilbert-native download distilbert-base-uncased');
    expect(e.message).toContain('HF_ENDPOINT');
    expect(e.message).toContain(cache);
    process.env['HF_HUB_OFFLINE'] = 'true';
    expect((await rejection(loadModel('org/tiny', { revision: 'v2' }))).message).toContain('--revision v2');
    expect(hub.requests).toEqual([]);
  });

  it('a model a Python user downloaded (the cache laid out by hand) loads with no network', async () => {
    const s = storage('org/python');
    const commit = 'a'.repeat(40);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']) {
      const b = fs.readFileSync(path.join(dir, f));
      const etag = f.endsWith('.safetensors') ? sha256(b) : gitSha1(b);
      fs.mkdirSync(path.join(s, 'blobs'), { recursive: true });
      fs.writeFileSync(path.join(s, 'blobs', etag), b);
      fs.mkdirSync(path.join(s, 'snapshots', commit), { recursive: true });
      fs.symlinkSync(path.join('..', '..', 'blobs', etag), path.join(s, 'snapshots', commit, f));
    }
    fs.mkdirSync(path.join(s, 'refs'));
    fs.writeFileSync(path.join(s, 'refs', 'main'), commit);
    process.env['HF_ENDPOINT'] = 'http://127.0.0.1:9';
    const m = await loadModel('org/python');
    expect(m.info.weightsPath).toContain(path.join('snapshots', commit));
    await m.dispose();
    const byCommit = await loadModel('org/python', { revision: commit, localFilesOnly: true });
    await byCommit.dispose();
  });

  it('an existing path is always a path, even one shaped like a Hub id', async () => {
    const rel = path.relative(process.cwd(), dir);
    expect(rel).toMatch(/^[\w.-]+\/[\w.-]+$/);
    const m = await loadModel(rel);
    await m.dispose();
    expect(hub.requests).toEqual([]);
  });

  it('a connection cut mid-file is resumed with a Range request from the partial file', async () => {
    hub.faults.cutAfter = { bytes: 1_000_000, times: 2 };
    const snap = await downloadModel('org/tiny');
    const weights = fs.readFileSync(path.join(dir, 'model.safetensors'));
    expect(fs.readFileSync(path.join(snap, 'model.safetensors')).equals(weights)).toBe(true);
    const ranges = hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range && r.range !== 'bytes=0-0').map((r) => r.range);
    expect(ranges).toEqual([`bytes=1000000-${weights.length - 1}`, `bytes=2000000-${weights.length - 1}`]);
    expect(filesUnder(path.join(storage('org/tiny'), 'blobs')).some((f) => f.endsWith('.incomplete'))).toBe(false);
  });

  it('a partial file left by an earlier, killed process is resumed, not restarted', async () => {
    const weights = fs.readFileSync(path.join(dir, 'model.safetensors'));
    const blobs = path.join(storage('org/tiny'), 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    fs.writeFileSync(path.join(blobs, `${sha256(weights)}.incomplete`), weights.subarray(0, 123_456));
    await downloadModel('org/tiny');
    const cdn = hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.range !== 'bytes=0-0');
    expect(cdn.map((r) => r.range)).toEqual([`bytes=123456-${weights.length - 1}`]);
    expect(fs.readFileSync(path.join(blobs, sha256(weights))).equals(weights)).toBe(true);
  });

  it('a corrupted blob is rejected: removed, no .incomplete, nothing in snapshots points to it', async () => {
    hub.faults.corrupt = { times: 1 };
    const e = await rejection(downloadModel('org/tiny'));
    expect(e.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e.message).toMatch(/model\.safetensors failed verification: its sha256 is [0-9a-f]{64} but the Hub reports/);
    const s = storage('org/tiny');
    const weights = fs.readFileSync(path.join(dir, 'model.safetensors'));
    const blobs = filesUnder(path.join(s, 'blobs'));
    expect(blobs.filter((f) => f.startsWith(sha256(weights)))).toEqual([]);
    const snaps = filesUnder(path.join(s, 'snapshots'));
    expect(snaps.some((f) => f.endsWith('model.safetensors'))).toBe(false);
    // The next attempt (the Hub now serving good bytes) completes.
    const m = await loadModel('org/tiny');
    await m.dispose();
  });

  it('a revision the Hub does not have is a 404 that names it', async () => {
    const e = await rejection(loadModel('org/tiny', { revision: 'nope' }));
    expect(e.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e.message).toContain('revision nope (404)');
    expect(filesUnder(storage('org/tiny'))).toEqual([]);
  });

  it('a gated repository is a 401 that says to set HF_TOKEN, and loads with it', async () => {
    const e = await rejection(loadModel('org/gated'));
    expect(e.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e.message).toMatch(/gated or private, or does not exist .*401.*HF_TOKEN/);
    process.env['HF_TOKEN'] = 'hf_wrong';
    expect((await rejection(loadModel('org/gated'))).message).toContain('the HF_TOKEN set was refused');
    process.env['HF_TOKEN'] = 'hf_mocktoken';
    const m = await loadModel('org/gated');
    await m.dispose();
    // The token went to the Hub's own origin on every request.
    expect(hub.requests.filter((r) => r.authorization === 'Bearer hf_mocktoken').length).toBeGreaterThan(3);
  });

  it('a repository with only pytorch_model.bin says why and how to convert, before downloading', async () => {
    const e = await rejection(loadModel('org/pickle'));
    expect(e.code).toBe('DBN_UNSUPPORTED_MODEL');
    expect(e.message).toContain('only pytorch_model.bin');
    expect(e.message).toContain('safe_serialization=True');
    expect(hub.requests.some((r) => r.url.includes('/resolve/'))).toBe(false);
  });

  it('a commit hash needs no refs/ entry; a tag the Hub lacks is a 404', async () => {
    const e = await rejection(loadModel('org/tiny', { revision: 'v1' }));
    expect(e.message).toContain('revision v1');
    const snap = await downloadModel('org/tiny', { revision: hub.commits.get('org/tiny')! });
    expect(path.basename(snap)).toBe(hub.commits.get('org/tiny'));
    expect(fs.existsSync(path.join(storage('org/tiny'), 'refs'))).toBe(false);
    hub.requests.length = 0;
    expect(await downloadModel('org/tiny', { revision: hub.commits.get('org/tiny')! })).toBe(snap);
    expect(hub.requests).toEqual([]); // a cached commit needs no network
  });

  it('rejects unknown and ill-typed options', async () => {
    expect((await rejection(loadModel(dir, { revison: 'x' } as never))).message).toMatch(/^Unknown option "revison" in options of loadModel; did you mean revision\? \(loadModel takes device, .*revision, localFilesOnly, onProgress, cacheDir\)$/);
    expect((await rejection(loadModel('org/tiny', { revision: 3 } as never))).message).toBe(
      'Expected a branch, tag or commit name for options.revision but received 3',
    );
    expect((await rejection(loadModel('org/tiny', { localFilesOnly: 'yes' } as never))).code).toBe('DBN_INVALID_ARGUMENT');
    expect((await rejection(loadModel('org/tiny', { onProgress: 1 } as never))).code).toBe('DBN_INVALID_ARGUMENT');
    expect(hub.requests).toEqual([]);
  });
});
