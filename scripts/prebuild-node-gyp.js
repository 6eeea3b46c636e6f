#!/usr/bin/env node
// prebuildify always invokes node-gyp; this stands in for it and builds with cmake-js instead.
require('child_process').execFileSync('bash', [require('path').join(__dirname, 'build-native.sh')], { stdio: 'inherit' });
