/**
 * What @huggingface/hub leaves out, added on top of it: a download that resumes from the
 * partial `.incomplete` file with a Range request (the client's own WebBlob.slice), and a
 * sha256 check of every LFS blob against what the Hub reports (X-Linked-Etag on the resolve
 * response, the same value as paths-info's lfs.oid). A blob that fails the check is deleted
 * before anything in snapshots/ can point to it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { downloadFile } from '@huggingface/hub';

/** The headers of a resolve URL's first response (before any redirect), by URL. */
export interface LinkedHeaders {
  linkedEtag?: string;
  linkedSize?: number;
  repoCommit?: string;
  etag?: string;
}

/** Raised by the fetch wrapper when a server answered a Range request with the whole file. */
class RangeIgnored extends Error {}

function unquote(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/**
 * A fetch for the official client: follows redirects itself so the resolve response's
 * X-Linked-* and X-Repo-Commit headers are seen (fetch hides the first hop), drops the token
 * when a redirect leaves the Hub's origin (as huggingface_hub does), and refuses a 200 answer
 * to a resuming Range request (appending a whole file to a partial one would corrupt it).
 */
export function hubFetch(endpoint: string, linked: Map<string, LinkedHeaders>): typeof fetch {
  const origin = new URL(endpoint).origin;
  return async (input, init = {}) => {
    let url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init.headers);
    const range = headers.get('Range');
    for (let hop = 0; hop < 10; hop++) {
      if (url.origin !== origin) headers.delete('Authorization');
      const res = await fetch(url, { ...init, headers, redirect: 'manual' });
      if (hop === 0 && url.pathname.includes('/resolve/')) {
        const size = res.headers.get('X-Linked-Size');
        linked.set(url.href, {
          linkedEtag: unquote(res.headers.get('X-Linked-Etag')),
          linkedSize: size === null ? undefined : Number(size),
          repoCommit: res.headers.get('X-Repo-Commit') ?? undefined,
          etag: unquote(res.headers.get('ETag')),
        });
      }
      const location = res.headers.get('Location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      if (range && !/^bytes=0-/.test(range) && res.status === 200) {
        await res.body?.cancel();
        throw new RangeIgnored(`${url.href} ignored the Range request ${range}`);
      }
      return res;
    }
    throw new Error(`too many redirects from ${String(input)}`);
  };
}

export interface TransferRequest {
  repo: string;
  file: string;
  commit: string;
  endpoint: string;
  token?: string;
  fetch: typeof fetch;
  linked: Map<string, LinkedHeaders>;
  /** The sha256 of an LFS file (paths-info lfs.oid); undefined for a plain git file. */
  sha256?: string;
  size: number;
  incomplete: string;
  onBytes(loaded: number, total: number): void;
  /** Attempts after a cut connection (each resumes where the last stopped). Default 5. */
  retries?: number;
}

export class VerificationError extends Error {}

function partialSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

async function hashFile(file: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
}

/** Downloads into `incomplete`, resuming what is there; resolves once the bytes are verified. */
export async function transfer(req: TransferRequest): Promise<void> {
  const retries = req.retries ?? 5;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    let offset = partialSize(req.incomplete);
    if (offset > req.size) {
      fs.rmSync(req.incomplete, { force: true });
      offset = 0;
    }
    const hash = createHash('sha256');
    if (offset > 0) await hashFile(req.incomplete, hash);
    try {
      if (offset < req.size) {
        const blob = await downloadFile({
          repo: { type: 'model', name: req.repo },
          path: req.file,
          revision: req.commit,
          hubUrl: req.endpoint,
          accessToken: req.token,
          fetch: req.fetch,
          xet: false,
        });
        if (!blob) throw new VerificationError(`${req.file} is listed by the Hub but its resolve URL says it does not exist`);
        checkLinked(req);
        const part = offset > 0 ? blob.slice(offset) : blob;
        const out = fs.createWriteStream(req.incomplete, { flags: 'a' });
        let loaded = offset;
        try {
          for await (const chunk of part.stream() as unknown as AsyncIterable<Uint8Array>) {
            hash.update(chunk);
            loaded += chunk.byteLength;
            if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
            req.onBytes(loaded, req.size);
          }
        } finally {
          await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
        }
      }
      const got = partialSize(req.incomplete);
      if (got < req.size) throw new Error(`connection ended after ${got} of ${req.size} bytes of ${req.file}`);
      verify(req, got, hash.digest('hex'));
      return;
    } catch (e) {
      if (e instanceof VerificationError) {
        fs.rmSync(req.incomplete, { force: true });
        throw e;
      }
      if (e instanceof RangeIgnored) fs.rmSync(req.incomplete, { force: true });
      // HTTP errors (401, 404, …) are answers, not cuts: retrying would not change them.
      if ((e as { statusCode?: number }).statusCode !== undefined) throw e;
      lastError = e;
    }
  }
  throw lastError;
}

function checkLinked(req: TransferRequest): void {
  const url = `${req.endpoint}/${req.repo}/resolve/${encodeURIComponent(req.commit)}/${req.file}`;
  const h = req.linked.get(url);
  if (!h) return;
  if (req.sha256 && h.linkedEtag && h.linkedEtag !== req.sha256) {
    throw new VerificationError(`the Hub reports two different sha256 for ${req.file}: ${req.sha256} (paths-info) and ${h.linkedEtag} (X-Linked-Etag)`);
  }
  if (h.linkedSize !== undefined && h.linkedSize !== req.size) {
    throw new VerificationError(`the Hub reports two sizes for ${req.file}: ${req.size} (paths-info) and ${h.linkedSize} (X-Linked-Size)`);
  }
}

function verify(req: TransferRequest, size: number, sha256: string): void {
  if (size !== req.size) throw new VerificationError(`${req.file}: got ${size} bytes, the Hub says ${req.size}`);
  if (req.sha256 && sha256 !== req.sha256) {
    throw new VerificationError(
      `${req.file} failed verification: its sha256 is ${sha256} but the Hub reports ${req.sha256}; ` +
        'the corrupted download was deleted, run the command again',
    );
  }
}
