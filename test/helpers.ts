/** Shared test plumbing: fixtures made by scripts/make-fixture.py, the float64 reference. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const PYTHON = '/usr/bin/python3';
export const SHARED_DATA =
  process.env.DBN_SHARED_DATA ?? path.resolve(ROOT, '..', 'shared', 'data', 'distilbert-base-uncased');

/** Makes (or reuses, when its arguments are unchanged) a random checkpoint under fixtures/. */
export function fixture(name: string, args: string[] = []): string {
  const dir = path.join(ROOT, 'fixtures', name);
  execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'make-fixture.py'), '--out', dir, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return dir;
}

/** Exports the fixture to TorchScript (model.torchscript.pt) unless already there. */
export function torchscript(dir: string): string {
  const out = path.join(dir, 'model.torchscript.pt');
  if (!fs.existsSync(out)) {
    execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'export-torchscript.py'), '--model', dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return out;
}

export interface ReferenceMask {
  position: number;
  top_ids: number[];
  top_probs: number[];
  target_probs?: number[];
}

/** Runs scripts/reference.py (NumPy float64, independent of libtorch) on one request. */
export function reference<T = { masks: ReferenceMask[][] }>(dir: string, request: object): T {
  const out = execFileSync(PYTHON, [path.join(ROOT, 'scripts', 'reference.py'), '--model', dir], {
    input: JSON.stringify(request),
    maxBuffer: 1 << 30,
  });
  return JSON.parse(out.toString()) as T;
}

/** A copy of a fixture directory that a test may damage. */
export function scratchCopy(dir: string, name: string): string {
  const out = path.join(ROOT, 'fixtures', 'scratch', name);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.pt')) continue;
    fs.copyFileSync(path.join(dir, f), path.join(out, f));
  }
  return out;
}
