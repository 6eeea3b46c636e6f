// Random checkpoints from tools/model/make-fixture.py (the same ones the tests use).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const ROOT = path.resolve(__dirname, '..', '..');
module.exports = (name, args) => {
  const dir = path.join(ROOT, 'fixtures', name);
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'tools', 'model', 'make-fixture.py'), '--out', dir, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
};
