// Cold start of a new process: addon load (libtorch's own start-up), model load, first
// fill-mask call. Usage: node bench/cold-start.js [modelDir]   (prints one JSON line)
//
// Besides wall time per phase (*_ms) it reports what a busy machine does not blur: CPU time of
// the whole process per phase (*_cpu_ms, every thread, user + system), minor page faults per
// phase (*_faults), the resident set after load and after the first call (rss_*_mb: the
// weights as they stay), and the peak resident set (peak_rss_mb). DBN_ADDON_PATH picks another
// build of the addon (bench/cold-start-ab.mjs compares two, interleaved).
const path = require('node:path');
const dir = path.resolve(process.argv[2] ?? 'fixtures/random-base');
const mark = () => {
  const u = process.resourceUsage();
  return { t: performance.now(), cpu: (u.userCPUTime + u.systemCPUTime) / 1000, faults: u.minorPageFault + u.majorPageFault };
};
const phase = (name, a, b) => ({
  [`${name}_ms`]: b.t - a.t,
  [`${name}_cpu_ms`]: b.cpu - a.cpu,
  [`${name}_faults`]: b.faults - a.faults,
});
const rssMb = () => process.memoryUsage.rss() / 2 ** 20;
const m0 = mark();
const { native } = require('../dist/native');
native();
const m1 = mark();
const { loadModel } = require('../dist');
loadModel(dir).then(async (model) => {
  const m2 = mark();
  const rssLoaded = rssMb();
  await model.fillMask('the capital of france is [MASK].');
  const m3 = mark();
  console.log(JSON.stringify({
    addon_ms: m1.t - m0.t, model_load_ms: m2.t - m1.t, first_call_ms: m3.t - m2.t, total_ms: m3.t - m0.t,
    ...phase('addon', m0, m1), ...phase('model_load', m1, m2), ...phase('first_call', m2, m3),
    rss_loaded_mb: rssLoaded, rss_after_call_mb: rssMb(), peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  }));
  await model.dispose();
});
