/** examples/worker-threads runs as documented: a model in a Worker answers as the main thread's does. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { ROOT, fixture } from '../helpers';

const MAIN = path.join(ROOT, 'examples', 'worker-threads', 'main.js');
let dir: string;
let model: Model;

beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  model = await loadModel(dir);
});
afterAll(() => model?.dispose());

describe('examples/worker-threads', () => {
  it('prints, per text, what fillMask gives in the main thread, and exits 0', async () => {
    const texts = ['Paris is the [MASK] of France.', 'Today is a [MASK] day!'];
    const r = spawnSync(process.execPath, [MAIN, dir, ...texts], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const expected = await model.fillMask(texts, { topK: 3 });
    expect(lines).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('reports a model error from the worker with its code and exits 1', () => {
    const r = spawnSync(process.execPath, [MAIN, '/no/such/model', 'a [MASK]'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error \[DBN_MODEL_LOAD_FAILED\]/);
  });

  it('exits 2 with usage when given no text', () => {
    const r = spawnSync(process.execPath, [MAIN, dir], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage:/);
  });
});
