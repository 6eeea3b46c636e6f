/**
 * Hugging Face Hub ids for model loading, through @huggingface/hub and Python's cache. A leaf:
 * model loading, the CLI and the server use it; it uses only the public API's error type.
 *
 * `resolveModelPath(idOrPath)` gives a directory: an existing path as it is, else a Hub id
 * (`name` or `org/name`) resolved in the cache, downloading what the engine needs and is
 * missing unless offline (`localFilesOnly`, `HF_HUB_OFFLINE`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { HubApiError, modelInfo, pathsInfo } from '@huggingface/hub';
import { invalidArgument as expected } from '../model/checks';
import { DistilBertError } from '../model/errors';
import { cachedCommit, COMMIT_RE, linkIntoSnapshot, repoFolder, snapshotHas, writeRef } from './cache';
import { hubCacheDir, hubEndpoint, hubOffline, hubToken } from './env';
import { hubFetch, transfer, VerificationError, type LinkedHeaders } from './transfer';

export { hubCacheDir, hubEndpoint, hubOffline, hubToken } from './env';

export { DEFAULT_MODEL, HUB_OPTION_NAMES, type HubOptions, type HubProgress } from './options';
import type { HubOptions } from './options';

const ID_RE = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** `name` or `org/name` as the Hub spells ids (no `..`, no leading `.` or `-`). */
export function isHubId(s: string): boolean {
  return ID_RE.test(s) && !s.includes('..') && !s.endsWith('.git');
}

const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json'];

function fail(message: string): DistilBertError {
  return new DistilBertError('DBN_MODEL_LOAD_FAILED', message);
}

function checkOptions(o: HubOptions): void {
  if (o.revision !== undefined && (typeof o.revision !== 'string' || o.revision === '' || o.revision.includes('..'))) {
    throw expected('a branch, tag or commit name', 'options.revision', o.revision);
  }
  if (o.localFilesOnly !== undefined && typeof o.localFilesOnly !== 'boolean') {
    throw expected('a boolean', 'options.localFilesOnly', o.localFilesOnly);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw expected('a function', 'options.onProgress', o.onProgress);
  }
  if (o.cacheDir !== undefined && (typeof o.cacheDir !== 'string' || o.cacheDir === '')) {
    throw expected('a directory path', 'options.cacheDir', o.cacheDir);
  }
}

/** What the engine reads from a repository's file list, or why it cannot load that repository. */
export function engineFiles(files: readonly string[], where: string): string[] {
  const has = new Set(files);
  if (!has.has('config.json')) throw fail(`${where} has no config.json: it is not a transformers checkpoint`);
  const tokenizer = TOKENIZER_FILES.filter((f) => has.has(f));
  if (!has.has('tokenizer.json') && !has.has('vocab.txt')) {
    throw fail(`${where} has neither tokenizer.json nor vocab.txt; the tokenizer cannot be loaded`);
  }
  let weights: string;
  if (has.has('model.safetensors')) weights = 'model.safetensors';
  else if (has.has('model.safetensors.index.json')) {
    throw new DistilBertError(
      'DBN_UNSUPPORTED_MODEL',
      `${where} holds sharded safetensors (model.safetensors.index.json), which this engine does not load; ` +
        'merge the shards into one model.safetensors (in transformers: save_pretrained(dir, max_shard_size="10GB", safe_serialization=True)) and load that directory',
    );
  } else if (has.has('model.torchscript.pt')) weights = 'model.torchscript.pt';
  else if (has.has('pytorch_model.bin')) {
    throw new DistilBertError(
      'DBN_UNSUPPORTED_MODEL',
      `${where} has only pytorch_model.bin, a Python pickle this engine does not read (loading one can run arbitrary code); ` +
        'convert it to safetensors: in Python, AutoModel.from_pretrained(id).save_pretrained(dir, safe_serialization=True) ' +
        '(or the Hub\'s "convert to safetensors" Space), then load that directory',
    );
  } else throw fail(`${where} has no model.safetensors`);
  return ['config.json', ...tokenizer, weights];
}

/** The snapshot of `repo` at `revision` already in the cache, or an error that says what is missing. */
function localSnapshot(cacheDir: string, repo: string, revision: string, why: string): string {
  const storage = repoFolder(cacheDir, repo);
  const howTo =
    `get it with \`npx distilbert-native download ${repo}${revision === 'main' ? '' : ` --revision ${revision}`}\` on a machine with network ` +
    '(set HF_ENDPOINT for a mirror, HF_TOKEN for a gated model; unset HF_HUB_OFFLINE), copy that cache here (HF_HUB_CACHE), or give a local model directory';
  const commit = cachedCommit(storage, revision);
  if (!commit) {
    throw fail(`${repo} (revision ${revision}) is not in the Hugging Face cache ${cacheDir} and ${why}; ${howTo}`);
  }
  const snapshot = path.join(storage, 'snapshots', commit);
  let present: string[] = [];
  try {
    present = fs.readdirSync(snapshot).filter((f) => snapshotHas(snapshot, f));
  } catch {
    /* no snapshot directory: reported below */
  }
  try {
    engineFiles(present, `the cached snapshot ${snapshot}`);
  } catch (e) {
    if ((e as DistilBertError).code === 'DBN_UNSUPPORTED_MODEL') throw e;
    const missing = ['config.json', 'model.safetensors', 'tokenizer.json'].filter((f) => !present.includes(f));
    throw fail(`${repo} (revision ${revision}) is incomplete in ${snapshot} (missing ${missing.join(', ') || 'files'}) and ${why}; ${howTo}`);
  }
  return snapshot;
}

function hubError(e: unknown, repo: string, revision: string): Error {
  if (e instanceof HubApiError) {
    if (e.statusCode === 401 || e.statusCode === 403) {
      return fail(
        `${repo} is gated or private, or does not exist (the Hub answered ${e.statusCode}): check the id; for a gated model accept its terms on the model page and set HF_TOKEN ` +
          `to a token that can read it${hubToken() ? ' (the HF_TOKEN set was refused)' : ''}`,
      );
    }
    if (e.statusCode === 404) {
      return fail(`the Hub has no model ${repo} at revision ${revision} (404): check the id and --revision`);
    }
    return fail(`the Hub answered ${e.statusCode} for ${repo}: ${e.message}`);
  }
  return e as Error;
}

function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT'].includes((e as { code?: string }).code ?? '');
}

/**
 * Downloads what the engine needs from `repo` at `revision` into the cache (skipping what is
 * there, resuming partial files, verifying LFS blobs) and returns the snapshot directory.
 */
export async function downloadModel(repo: string, options: HubOptions = {}): Promise<string> {
  checkOptions(options);
  const revision = options.revision ?? 'main';
  const cacheDir = options.cacheDir ?? hubCacheDir();
  if (options.localFilesOnly || hubOffline()) {
    return localSnapshot(cacheDir, repo, revision, options.localFilesOnly ? 'localFilesOnly is set' : 'HF_HUB_OFFLINE is set');
  }
  if (COMMIT_RE.test(revision)) {
    // A commit never moves: a complete snapshot of it needs no network, as in huggingface_hub.
    try {
      return localSnapshot(cacheDir, repo, revision, '');
    } catch {
      /* not (fully) cached: ask the Hub */
    }
  }
  const endpoint = hubEndpoint();
  const token = hubToken();
  const linked = new Map<string, LinkedHeaders>();
  const f = hubFetch(endpoint, linked);
  const credentials = { hubUrl: endpoint, accessToken: token, fetch: f };
  let info: { sha?: string; filePaths?: string[] };
  try {
    info = await modelInfo({ name: repo, revision, additionalFields: ['sha', 'filePaths'], ...credentials });
  } catch (e) {
    if (isNetworkError(e)) return localSnapshot(cacheDir, repo, revision, `the Hub (${endpoint}) cannot be reached`);
    throw hubError(e, repo, revision);
  }
  const commit = info.sha;
  if (!commit) throw fail(`the Hub gave no commit for ${repo} at ${revision}`);
  const files = engineFiles(info.filePaths ?? [], `${repo} (revision ${revision})`);
  const storage = repoFolder(cacheDir, repo);
  const snapshot = path.join(storage, 'snapshots', commit);
  const missing: string[] = [];
  for (const file of files) {
    if (!snapshotHas(snapshot, file)) {
      missing.push(file);
      continue;
    }
    const size = fs.statSync(path.join(snapshot, file)).size;
    options.onProgress?.({ status: 'cached', file, loaded: size, total: size });
  }
  if (missing.length > 0) {
    let entries;
    try {
      entries = await pathsInfo({ repo: { type: 'model', name: repo }, paths: missing, revision: commit, ...credentials });
    } catch (e) {
      throw hubError(e, repo, revision);
    }
    for (const file of missing) {
      const entry = entries.find((p) => p.path === file);
      const etag = entry?.lfs?.oid ?? entry?.oid;
      if (!entry || !etag || !/^[0-9a-f]{40,64}$/.test(etag)) throw fail(`the Hub gave no usable etag for ${repo}/${file}`);
      const size = entry.lfs?.size ?? entry.size;
      const blob = path.join(storage, 'blobs', etag);
      if (!fs.existsSync(blob)) {
        fs.mkdirSync(path.dirname(blob), { recursive: true });
        const incomplete = `${blob}.incomplete`;
        try {
          await transfer({
            repo, file, commit, endpoint, token, fetch: f, linked, size, incomplete,
            sha256: entry.lfs?.oid,
            onBytes: (loaded, total) => options.onProgress?.({ status: 'download', file, loaded, total }),
          });
        } catch (e) {
          if (e instanceof VerificationError) throw fail(e.message);
          if (isNetworkError(e)) {
            throw fail(`downloading ${repo}/${file} from ${endpoint} failed (${(e as Error).message}); the partial file is kept: run again to resume`);
          }
          throw hubError(e, repo, revision);
        }
        fs.renameSync(incomplete, blob);
      }
      linkIntoSnapshot(blob, path.join(snapshot, file));
      options.onProgress?.({ status: 'done', file, loaded: size, total: size });
    }
  }
  writeRef(storage, revision, commit);
  return snapshot;
}

/**
 * The directory to load: `idOrPath` itself when it exists (a path is always a path), else the
 * cached snapshot of that Hub id, downloaded as needed. Anything else is returned unchanged
 * so the loader reports it as a missing path.
 */
export async function resolveModelPath(idOrPath: string, options: HubOptions = {}): Promise<string> {
  checkOptions(options);
  if (fs.existsSync(idOrPath) || !isHubId(idOrPath)) return idOrPath;
  return downloadModel(idOrPath, options);
}
