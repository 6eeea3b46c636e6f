/**
 * Electron main process: loads the model once, answers the renderer's fill-mask requests over
 * IPC, and disposes the model before the app quits. The model must live in the main process
 * (or a utility process / worker_threads Worker started from it): a renderer has no Node
 * addons unless nodeIntegration is on, which an app should not turn on for this.
 */
import path from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { loadModel, type FillMaskOutput, type Model } from 'distilbert-native';

let model: Model | undefined;

/** The model directory: DBN_MODEL, else a `model/` folder shipped beside the app's resources. */
function modelDir(): string {
  return process.env.DBN_MODEL ?? path.join(process.resourcesPath, 'model');
}

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 720,
    height: 480,
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  await win.loadFile(path.join(__dirname, '..', 'index.html'));
}

ipcMain.handle('fill-mask', async (_event, text: unknown): Promise<FillMaskOutput | { error: { code: string; message: string } }> => {
  if (typeof text !== 'string') return { error: { code: 'DBN_INVALID_ARGUMENT', message: 'Expected a string' } };
  try {
    model ??= await loadModel(modelDir());
    return await model.fillMask(text, { topK: 5 });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { error: { code: err.code ?? 'DBN_INTERNAL', message: err.message ?? String(e) } };
  }
});

app.whenReady().then(createWindow);

// Dispose before quitting: the model's native thread is joined and its memory freed while the
// JS environment is still alive.
let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !model) return;
  event.preventDefault();
  quitting = true;
  model.dispose().finally(() => app.quit());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
