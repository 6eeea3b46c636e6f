// Shared by the server benchmark and soak: a `distilbert-native serve` child on 127.0.0.1.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function startServer(dir, extra = []) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'serve', '--model', dir, '--port', '0', '--max-queue', '100000', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 120_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () => new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); }),
  };
}

export function fixtureDir(name, args) {
  return import(path.join(ROOT, 'bench', 'server', 'fixture.cjs')).then((m) => m.default(name, args));
}
