/** Exposes one function to the renderer; the model itself stays in the main process. */
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('distilbert', {
  fillMask: (text: string) => ipcRenderer.invoke('fill-mask', text),
});
