/**
 * The split binary: the addon (N-API glue and the tokenizer) links no libtorch and loads the
 * engine library only for the first model. Child processes, so the DBN_LIBTORCH and
 * DBN_ENGINE_PATH overrides apply from the start (the search runs once per process).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SHARED_DATA, fixture, requireSharedData, runNodeScript as child } from '../helpers';

let dir: string;
beforeAll(() => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  requireSharedData();
});

const lib = JSON.stringify(path.join(ROOT, 'dist', 'index.js'));
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const ADDON = path.join(ROOT, 'build', 'Release', 'distilbert_native.node');
const mappedTorch = `require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').filter(l => /libtorch|libc10|dbn_engine/.test(l)).length`;
const needed = (file: string) =>
  [...execFileSync('readelf', ['-d', file], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
const NO_LIBTORCH = { DBN_LIBTORCH: '/nonexistent/libtorch' };

describe('the addon without libtorch', () => {
  it('needs no libtorch, c10, oneDNN or BLAS library (readelf -d); the engine library next to it does', () => {
    const deps = needed(ADDON);
    expect(deps.length).toBeGreaterThan(0);
    expect(deps.filter((d) => /torch|c10|dnnl|blas|gomp|mkl/.test(d))).toEqual([]);
    const ldd = execFileSync('ldd', [ADDON], { encoding: 'utf8' });
    expect(ldd).not.toMatch(/libtorch|libc10|libdnnl|openblas/);
    const engines = fs.readdirSync(path.dirname(ADDON)).filter((f) => /^libdbn_engine-torch\d+\.\d+(-cuda)?\.so$/.test(f));
    expect(engines.length).toBeGreaterThan(0);
    expect(needed(path.join(path.dirname(ADDON), engines[0]!)).some((d) => /^libtorch(_cpu)?\.so/.test(d))).toBe(true);
  });

  it('require + loadTokenizer map no libtorch; the first loadModel loads it', async () => {
    const script = `const d = require(${lib}); d.loadTokenizer(${JSON.stringify(SHARED_DATA)}).then(async t => {
      const before = ${mappedTorch}; const ids = t.encode('Hello, world!').ids;
      const m = await d.loadModel(${JSON.stringify(dir)}); const after = ${mappedTorch}; await m.dispose();
      console.log(JSON.stringify({ before, after, ids: ids.length }));
    })`;
    const r = await child(script);
    expect(r.code, r.out).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.before).toBe(0);
    expect(o.after).toBeGreaterThan(0);
    expect(o.ids).toBeGreaterThan(2);
  });

  it('with libtorch hidden (DBN_LIBTORCH at a missing folder): tokenizers work, loadModel rejects DBN_NATIVE_UNAVAILABLE saying what was searched and what to do', async () => {
    const script = `const d = require(${lib}); d.loadTokenizer(${JSON.stringify(SHARED_DATA)}).then(async t => {
      const ids = Array.from(t.encode('Hello, world!').ids);
      const err = await d.loadModel(${JSON.stringify(dir)}).then(() => null, e => ({ name: e.constructor.name, code: e.code, message: e.message }));
      const again = await d.loadModel(${JSON.stringify(dir)}).then(() => null, e => e.code);
      const cuda = await d.loadModel(${JSON.stringify(dir)}, { device: 'cuda' }).then(() => null, e => e.code);
      console.log(JSON.stringify({ ids, err, again, cuda, mapped: ${mappedTorch} }));
    })`;
    const r = await child(script, NO_LIBTORCH);
    expect(r.code, r.out).toBe(0);
    const o = JSON.parse(r.out);
    const want = JSON.parse((await child(`require(${lib}).loadTokenizer(${JSON.stringify(SHARED_DATA)}).then(t => console.log(JSON.stringify(Array.from(t.encode('Hello, world!').ids))))`)).out);
    expect(o.ids).toEqual(want);
    expect(o.err).toMatchObject({ name: 'DistilBertError', code: 'DBN_NATIVE_UNAVAILABLE' });
    expect(o.again).toBe('DBN_NATIVE_UNAVAILABLE');
    expect(o.cuda).toBe('DBN_NATIVE_UNAVAILABLE'); // not "this libtorch has no CUDA": there is none
    expect(o.mapped).toBe(0);
    const m: string = o.err.message;
    expect(m).toMatch(/DBN_LIBTORCH=\/nonexistent\/libtorch: no such directory/);
    expect(m).toMatch(/tokenizers still work/);
    expect(m).toMatch(/apt-get install --no-install-recommends libtorch1\.13 libdnnl2 libopenblas0-openmp/);
    expect(m).toMatch(/pip install torch/);
    expect(m).toMatch(/set DBN_LIBTORCH to a libtorch directory/);
    expect(m).toMatch(/libdbn_engine-torch1\.13\.so/);
  });

  it('an engine library that cannot be loaded (DBN_ENGINE_PATH): the message names it and every libtorch location searched', async () => {
    const r = await child(`require(${lib}).loadModel(${JSON.stringify(dir)}).then(() => console.log('null'), e => console.log(JSON.stringify({ code: e.code, message: e.message })))`, {
      DBN_ENGINE_PATH: '/nonexistent/libdbn_engine-torch1.13.so',
    });
    const e = JSON.parse(r.out);
    expect(e.code).toBe('DBN_NATIVE_UNAVAILABLE');
    expect(e.message).toMatch(/DBN_LIBTORCH \/ LIBTORCH: not set/);
    expect(e.message).toMatch(/Debian's libtorch .*libtorch 1\.13 in \/usr\/lib\/x86_64-linux-gnu, but no engine library loaded against it; libdbn_engine-torch1\.13\.so: .*No such file/);
    expect(e.message).toMatch(/a PyTorch wheel \(python3 -c 'import torch'\)/);
  });

  it('the tokenize command works with libtorch hidden', () => {
    const r = spawnSync(process.execPath, [CLI, 'tokenize', '--model', SHARED_DATA, '--json', 'Hello world!'], { encoding: 'utf8', env: { ...process.env, ...NO_LIBTORCH } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim()).tokens).toEqual(['[CLS]', 'hello', 'world', '!', '[SEP]']);
  });

  it('doctor reports where the addon, the engine and libtorch came from, or what was searched', () => {
    const ok = JSON.parse(execFileSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8' }));
    expect(ok.info.addon.path).toBe(ADDON);
    expect(ok.info.engine).toMatchObject({ loaded: true, flavour: 'torch1.13', error: '' });
    expect(ok.info.engine.path).toBe(path.join(path.dirname(ADDON), 'libdbn_engine-torch1.13.so'));
    expect(ok.info.libtorch).toMatchObject({ source: 'debian', dir: '/usr/lib/x86_64-linux-gnu' });
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8', env: { ...process.env, ...NO_LIBTORCH } });
    expect(r.status).toBe(1);
    const bad = JSON.parse(r.stdout);
    expect(bad.info.engine.loaded).toBe(false);
    expect(bad.info.engine.searched).toEqual(['DBN_LIBTORCH=/nonexistent/libtorch: no such directory']);
    expect(bad.findings).toContainEqual({ level: 'error', message: expect.stringMatching(/^engine: models cannot run here.*apt-get install/) });
    const table = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8', env: { ...process.env, ...NO_LIBTORCH } });
    expect(table.stdout).toMatch(/^engine +not loaded/m);
    expect(table.stdout).toMatch(/^searched +DBN_LIBTORCH=\/nonexistent\/libtorch: no such directory/m);
  });

  it('DBN_LIBTORCH at a folder of libtorch libraries: they are preloaded and the engine binds to them', async () => {
    const script = `const d = require(${lib}); d.loadModel(${JSON.stringify(dir)}).then(async m => {
      const out = await m.fillMask('Paris is the [MASK] of France.', { topK: 2 }); await m.dispose();
      const i = d.runtimeInfo(); console.log(JSON.stringify({ n: out.length, k: out[0].length, engine: i.engine, libtorch: i.libtorch }));
    })`;
    const r = await child(script, { DBN_LIBTORCH: '/usr/lib/x86_64-linux-gnu' });
    expect(r.code, r.out).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.n).toBe(1);
    expect(o.k).toBe(2);
    expect(o.engine.loaded).toBe(true);
    expect(o.libtorch).toMatchObject({ source: 'DBN_LIBTORCH', dir: '/usr/lib/x86_64-linux-gnu', version: expect.stringMatching(/^1\.13/) });
  });
});
