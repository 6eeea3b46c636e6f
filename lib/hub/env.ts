/**
 * Where the Hub and its cache are, read as Python's huggingface_hub reads them: HF_HUB_CACHE,
 * else HF_HOME/hub, else ~/.cache/huggingface/hub (XDG_CACHE_HOME honoured, as the official
 * client does); HF_ENDPOINT for mirrors; HF_TOKEN; HF_HUB_OFFLINE. Read at call time, never
 * cached, so a process (or a test) may change them between loads.
 */
import { getHFHubCachePath } from '@huggingface/hub';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export function hubCacheDir(): string {
  // The official client's rule (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME).
  return getHFHubCachePath();
}

export function hubEndpoint(): string {
  return (process.env['HF_ENDPOINT'] || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

export function hubToken(): string | undefined {
  return process.env['HF_TOKEN'] || process.env['HUGGING_FACE_HUB_TOKEN'] || undefined;
}

/** huggingface_hub's truthy spellings: 1, ON, YES, TRUE (any case). */
export function hubOffline(): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((process.env['HF_HUB_OFFLINE'] ?? '').trim().toUpperCase());
}
