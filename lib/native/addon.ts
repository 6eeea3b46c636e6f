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
  }
  return addon;
}
