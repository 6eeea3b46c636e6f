/**
 * The Hub options of loadModel and their names, apart from the client code so that model
 * loading can check them without loading @huggingface/hub (it is required only for a Hub id).
 */

/** One progress event per file state change and per received chunk. */
export interface HubProgress {
  /** `'cached'`: already there; `'download'`: bytes arriving; `'done'`: verified and stored. */
  status: 'cached' | 'download' | 'done';
  file: string;
  loaded: number;
  total: number;
}

/** Options of a Hub id (ignored for a path that exists). */
export interface HubOptions {
  /** Branch, tag or commit. Default `'main'`. */
  revision?: string;
  /** Never touch the network; fail saying exactly what is missing. Default `false` (`HF_HUB_OFFLINE=1` forces it). */
  localFilesOnly?: boolean;
  /** Called as files are found in the cache, downloaded and verified. */
  onProgress?: (event: HubProgress) => void;
  /** The cache directory. Default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
}

export const HUB_OPTION_NAMES = ['revision', 'localFilesOnly', 'onProgress', 'cacheDir'] as const;

export const DEFAULT_MODEL = 'distilbert-base-uncased';
