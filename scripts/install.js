#!/usr/bin/env node
// The package's install script. A prebuilt binary (prebuilds/) or an earlier source build
// (build/Release) makes it a no-op: the package loads with no install script at all, so
// `--ignore-scripts` installs work. Otherwise, or with `--build-from-source`, it builds with
// cmake-js when the build tools are installed, and says how to get them when they are not.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const fromSource = /^(true|1|distilbert-native)$/.test(process.env.npm_config_build_from_source ?? '');

function hasBinary() {
  try {
    require('node-gyp-build').path(root);
    return true;
  } catch {
    return false;
  }
}

function resolveTool(name) {
  for (const base of [root, process.cwd()]) {
    try {
      return require.resolve(name, { paths: [base] });
    } catch {
      /* try the next place */
    }
  }
  return null;
}

if (!fromSource && hasBinary()) process.exit(0);

const missing = ['cmake-js/package.json', 'node-addon-api', 'node-api-headers'].filter((t) => !resolveTool(t));
if (missing.length > 0) {
  const why = fromSource ? 'a source build was asked for' : `no prebuilt binary fits ${process.platform}-${process.arch}`;
  process.stderr.write(
    `distilbert-native: ${why}, but the build tools are not installed (${missing.map((m) => m.split('/')[0]).join(', ')}).\n` +
      '  To build from source: npm install --save-dev cmake-js node-addon-api node-api-headers\n' +
      '                        npm rebuild distilbert-native --build-from-source\n' +
      '  (needs cmake, a C++17 compiler and libtorch; see the README, "Building from source").\n',
  );
  // Failing here would make npm roll back the whole install; without a binary, loading the
  // package later fails with the same advice. Only an explicit source build fails the install.
  process.exit(fromSource ? 1 : 0);
}
execFileSync('bash', [path.join(__dirname, 'build-native.sh')], { stdio: 'inherit', cwd: root });
