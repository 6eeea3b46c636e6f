// Busy for DUTY (0..1) of every 5 ms, for SECONDS: load on another core for second-core.mjs.
//   node bench/probes/burn.js DUTY SECONDS
const duty = Number(process.argv[2]); // 0..1
const end = Date.now() + Number(process.argv[3]) * 1000;
function tick() { const t = performance.now(); while (performance.now() - t < 5 * duty) {} if (Date.now() < end) setTimeout(tick, 5 * (1 - duty)); }
tick();
