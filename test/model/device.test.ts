/**
 * Device selection and a binary that cannot load, on this machine (Debian's CPU-only libtorch).
 * Child processes, so DBN_DEVICE and DBN_ADDON_PATH apply from the start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, fixture, runNodeScript as child } from '../helpers';

let dir: string;
beforeAll(() => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
});

const lib = JSON.stringify(path.join(ROOT, 'dist', 'index.js'));
const report = `r => console.log(JSON.stringify(r)), e => console.log(JSON.stringify({ name: e.constructor.name, code: e.code, message: e.message }))`;

describe('device selection on a CPU-only libtorch', () => {
  it("defaults to 'auto', which picks the CPU here; DBN_DEVICE=cpu too", async () => {
    const script = `require(${lib}).loadModel(${JSON.stringify(dir)}).then(m => m.info.device).then(${report})`;
    expect(JSON.parse((await child(script)).out)).toBe('cpu');
    expect(JSON.parse((await child(script, { DBN_DEVICE: 'cpu' })).out)).toBe('cpu');
  });

  it("'cuda' and DBN_DEVICE=cuda reject DBN_CUDA_UNAVAILABLE: this libtorch has no CUDA", async () => {
    const explicit = `require(${lib}).loadModel(${JSON.stringify(dir)}, { device: 'cuda:0' }).then(${report})`;
    const r = JSON.parse((await child(explicit)).out);
    expect(r).toMatchObject({ name: 'DistilBertError', code: 'DBN_CUDA_UNAVAILABLE' });
    expect(r.message).toMatch(/built without CUDA/);
    const fromEnv = `require(${lib}).loadModel(${JSON.stringify(dir)}).then(${report})`;
    expect(JSON.parse((await child(fromEnv, { DBN_DEVICE: 'cuda' })).out)).toMatchObject({ code: 'DBN_CUDA_UNAVAILABLE' });
  });
});

describe('a binary that cannot be loaded', () => {
  it('rejects DBN_NATIVE_UNAVAILABLE with what was searched and the remedies, for models and tokenizers alike', async () => {
    const broken = path.join(ROOT, 'fixtures', 'broken-addon.node');
    fs.writeFileSync(broken, 'not an ELF file');
    // A relative DBN_ADDON_PATH is from the working directory (the child's is ROOT's).
    for (const addon of [broken, path.join('fixtures', 'no-such-addon.node')]) {
      for (const call of [`loadModel(${JSON.stringify(dir)})`, `loadTokenizer(${JSON.stringify(dir)})`]) {
        const r = await child(`require(${lib}).${call}.then(${report})`, { DBN_ADDON_PATH: addon });
        expect(r.code).toBe(0);
        const e = JSON.parse(r.out);
        expect(e).toMatchObject({ name: 'DistilBertError', code: 'DBN_NATIVE_UNAVAILABLE' });
        expect(e.message).toContain(`Searched: DBN_ADDON_PATH=${path.resolve(ROOT, addon)}.`);
        expect(e.message).toMatch(/npm rebuild distilbert-native --build-from-source/);
      }
    }
  });
});
