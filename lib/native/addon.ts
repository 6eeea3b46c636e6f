/** The only module that loads the compiled addon (see contract.ts for what it exports). */
import path from 'node:path';
import type { NativeAddon } from './contract';

let addon: NativeAddon | undefined;

/** Loads the addon on first use (a prebuild, else build/Release from a source build). */
export function native(): NativeAddon {
  if (!addon) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = load(path.join(__dirname, '..', '..'));
    // process.exit() (also from a signal handler, or an uncaught exception) runs no N-API
    // cleanup hooks on the main thread: stop the owner threads before exit() tears libtorch
    // down under them. Workers' environments are handled natively by a cleanup hook.
    const loaded = addon;
    process.once('exit', () => loaded.abandonWork());
  }
  return addon;
}
