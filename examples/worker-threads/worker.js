// Owns one model for the Worker's lifetime and answers fill-mask requests from the parent.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { loadModel } = require(workerData.packagePath);

(async () => {
  const model = await loadModel(workerData.modelDir, { threads: workerData.threads });
  parentPort.on('message', async (msg) => {
    if (msg.type === 'close') {
      await model.dispose();
      parentPort.close();
      return;
    }
    try {
      const result = await model.fillMask(msg.texts, { topK: msg.topK ?? 5 });
      parentPort.postMessage({ id: msg.id, result });
    } catch (e) {
      parentPort.postMessage({ id: msg.id, error: { code: e.code, message: e.message } });
    }
  });
  parentPort.postMessage({ type: 'ready', info: { architecture: model.info.config.architecture, dtype: model.info.dtype } });
})().catch((e) => {
  parentPort.postMessage({ type: 'failed', error: { code: e.code, message: e.message } });
});
