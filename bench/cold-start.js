// Cold start of a new process: addon load (libtorch's own start-up), model load, first
// fill-mask call. Usage: node bench/cold-start.js [modelDir]   (prints one JSON line)
const path = require('node:path');
const dir = path.resolve(process.argv[2] ?? 'fixtures/random-base');
const t0 = performance.now();
const { native } = require('../dist/native');
native();
const t1 = performance.now();
const { loadModel } = require('../dist');
loadModel(dir).then(async (model) => {
  const t2 = performance.now();
  await model.fillMask('the capital of france is [MASK].');
  const t3 = performance.now();
  console.log(JSON.stringify({ addon_ms: t1 - t0, model_load_ms: t2 - t1, first_call_ms: t3 - t2, total_ms: t3 - t0 }));
  await model.dispose();
});
