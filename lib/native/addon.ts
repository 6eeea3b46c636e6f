/** The only module that loads the compiled addon (see contract.ts for what it exports). */
import path from 'node:path';
import type { NativeAddon } from './contract';

let addon: NativeAddon | undefined;
let failure: Error | undefined;

const ROOT = path.join(__dirname, '..', '..');

/**
 * Why the addon did not load, and what to do about it. node-gyp-build says "No native build
 * was found" when no prebuild fits and nothing was built; dlopen names a missing library.
 * The addon needs no libtorch (the engine library, loaded by the first loadModel, does: its
 * own DBN_NATIVE_UNAVAILABLE says what was searched), so this is about the .node itself.
 */
function unavailable(cause: unknown, override: string | undefined): Error {
  const detail = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
  const missingLibrary = /lib[\w.+-]+\.so[\w.]*/.exec(detail)?.[0];
  const what = missingLibrary
    ? `the native addon could not be loaded: ${missingLibrary} is missing (${detail})`
    : /No native build was found/.test(detail)
      ? `no native binary fits ${process.platform}-${process.arch} (node ${process.version}): ${detail}`
      : `the native addon could not be loaded: ${detail}`;
  const remedies = [
    'build from source (another platform, or a C library older than glibc 2.34) against a PyTorch install (pip install torch): npm install --save-dev cmake-js node-addon-api node-api-headers && npm rebuild distilbert-native --build-from-source (DBN_TORCH_CMAKE_PREFIX picks another libtorch)',
    'run `npx distilbert-native doctor` to see what was found',
  ];
  const searched = override
    ? `DBN_ADDON_PATH=${override}`
    : `${path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`)} and ${path.join(ROOT, 'build', 'Release')}`;
  const error = new Error(`${what}. Searched: ${searched}. To fix: ${remedies.map((r, i) => `(${i + 1}) ${r}`).join('; ')}.`);
  return Object.assign(error, { code: 'DBN_NATIVE_UNAVAILABLE', cause });
}

/**
 * Loads the addon on first use (a prebuild, else build/Release from a source build). Throws an
 * error with code DBN_NATIVE_UNAVAILABLE, the same one on every call, when it cannot be loaded.
 */
export function native(): NativeAddon {
  if (addon) return addon;
  if (failure) throw failure;
  // DBN_ADDON_PATH: a .node file to load instead (tests of a missing or broken binary); a
  // relative path is from the working directory, as a shell user means it.
  const override = process.env.DBN_ADDON_PATH ? path.resolve(process.env.DBN_ADDON_PATH) : undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = (override ? require(override) : (require('node-gyp-build') as (dir: string) => NativeAddon)(ROOT)) as NativeAddon;
    // process.exit() (also from a signal handler, or an uncaught exception) runs no N-API
    // cleanup hooks on the main thread: stop the owner threads before exit() tears libtorch
    // down under them. Workers' environments are handled natively by a cleanup hook.
    process.once('exit', () => loaded.abandonWork());
    addon = loaded;
    return addon;
  } catch (e) {
    failure = unavailable(e, override);
    throw failure;
  }
}
