/**
 * A stand-in for huggingface.co on 127.0.0.1 (ephemeral port) serving the routes and headers
 * @huggingface/hub and huggingface_hub use:
 *   GET  /api/models/<repo>/revision/<rev>     model info (sha, siblings), 404 RevisionNotFound, 401 GatedRepo
 *   POST /api/models/<repo>/paths-info/<rev>   oid, size, lfs {oid, size}, lastCommit
 *   GET  /<repo>/resolve/<rev>/<file>          plain files: 200/206 with ETag (git sha1) and X-Repo-Commit;
 *                                              LFS files: 302 to /cdn/<sha256> with X-Linked-Etag, X-Linked-Size
 *   GET  /cdn/<sha256>                         the LFS bytes, Range requests honoured (206, Content-Range)
 * Failures on demand: cut the connection after N bytes, serve a corrupted blob. It is bounded:
 * it closes itself after `lifetimeMs` or `maxRequests` (whichever first) and never keeps the
 * process alive.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface MockRepo {
  /** Files by name; `.safetensors`, `.bin` and `.pt` are LFS. */
  files: Record<string, Buffer>;
  /** Branches and tags; `main` is the commit unless given. */
  refs?: Record<string, string>;
  /** A token the repo requires (gated). */
  token?: string;
}

export interface MockRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface MockHubOptions {
  lifetimeMs?: number;
  maxRequests?: number;
}

export interface Faults {
  /** Cut the connection after this many body bytes of a /cdn/ response, for the next `times` responses. */
  cutAfter?: { bytes: number; times: number };
  /** Serve LFS bytes with one byte flipped, for the next `times` responses. */
  corrupt?: { times: number };
}

export const gitSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const isLfs = (f: string): boolean => /\.(safetensors|bin|pt)$/.test(f);

/** The repository files from a fixture directory (what make-fixture.py wrote). */
export function repoFromDir(dir: string, only?: string[]): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const f of fs.readdirSync(dir)) {
    if (f === 'fixture.json' || (only && !only.includes(f))) continue;
    files[f] = fs.readFileSync(path.join(dir, f));
  }
  return files;
}

export class MockHub {
  readonly requests: MockRequest[] = [];
  readonly faults: Faults = {};
  readonly commits = new Map<string, string>();
  readonly #repos = new Map<string, MockRepo>();
  readonly #server: http.Server;
  readonly #timer: NodeJS.Timeout;
  readonly #maxRequests: number;
  url = '';

  constructor(options: MockHubOptions = {}) {
    this.#maxRequests = options.maxRequests ?? 2000;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#timer = setTimeout(() => this.close(), options.lifetimeMs ?? 120_000);
    this.#timer.unref();
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.#server.unref();
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  add(name: string, repo: MockRepo): string {
    const commit = randomBytes(20).toString('hex');
    this.#repos.set(name, repo);
    this.commits.set(name, commit);
    return commit;
  }

  close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }

  #json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** The repo and commit of a request, or an error answer already sent. */
  #lookup(req: http.IncomingMessage, res: http.ServerResponse, name: string, rev: string) {
    const repo = this.#repos.get(name);
    if (!repo) {
      this.#json(res, 401, { error: 'Repository Not Found' }, { 'X-Error-Code': 'RepoNotFound' });
      return undefined;
    }
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      this.#json(res, 401, { error: `Access to model ${name} is restricted. You must have access to it and be authenticated.` }, { 'X-Error-Code': 'GatedRepo' });
      return undefined;
    }
    const commit = this.commits.get(name)!;
    const refs: Record<string, string> = { main: commit, ...repo.refs };
    const sha = rev === commit ? commit : refs[rev];
    if (!sha) {
      this.#json(res, 404, { error: `Invalid rev id: ${rev}` }, { 'X-Error-Code': 'RevisionNotFound' });
      return undefined;
    }
    return { repo, commit: sha };
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization });
    if (this.requests.length >= this.#maxRequests) void this.close();
    const url = new URL(req.url ?? '/', 'http://x');
    const p = decodeURIComponent(url.pathname);
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^\/api\/models\/(.+)\/revision\/([^/]+)$/)) && req.method === 'GET') {
      const found = this.#lookup(req, res, m[1]!, m[2]!);
      if (!found) return;
      const body = {
        _id: `id-${m[1]}`, id: m[1], sha: found.commit, private: false, gated: found.repo.token ? 'manual' : false,
        downloads: 0, likes: 0, lastModified: new Date(0).toISOString(), pipeline_tag: 'fill-mask',
        siblings: Object.keys(found.repo.files).map((rfilename) => ({ rfilename })),
      };
      return this.#json(res, 200, body);
    }
    if ((m = p.match(/^\/api\/models\/(.+)\/paths-info\/([^/]+)$/)) && req.method === 'POST') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const found = this.#lookup(req, res, m![1]!, m![2]!);
        if (!found) return;
        const { paths } = JSON.parse(raw) as { paths: string[] };
        const out = paths.filter((f) => f in found.repo.files).map((f) => {
          const b = found.repo.files[f]!;
          return {
            type: 'file', path: f, size: b.length, oid: gitSha1(b),
            ...(isLfs(f) ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
            lastCommit: { id: found.commit, title: 'upload', date: new Date(0).toISOString() },
          };
        });
        this.#json(res, 200, out);
      });
      return;
    }
    if ((m = p.match(/^\/(.+)\/resolve\/([^/]+)\/(.+)$/))) {
      const found = this.#lookup(req, res, m[1]!, m[2]!);
      if (!found) return;
      const b = found.repo.files[m[3]!];
      if (!b) return this.#json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      if (isLfs(m[3]!)) {
        const sha = sha256(b);
        res.writeHead(302, {
          Location: `/cdn/${sha}?repo=${encodeURIComponent(m[1]!)}&file=${encodeURIComponent(m[3]!)}`,
          ETag: `"${sha}"`, 'X-Linked-Etag': `"${sha}"`, 'X-Linked-Size': String(b.length), 'X-Repo-Commit': found.commit,
        });
        return void res.end();
      }
      return this.#bytes(req, res, b, { ETag: `"${gitSha1(b)}"`, 'X-Repo-Commit': found.commit }, false);
    }
    if ((m = p.match(/^\/cdn\/([0-9a-f]{64})$/))) {
      const repo = this.#repos.get(url.searchParams.get('repo') ?? '');
      const b = repo?.files[url.searchParams.get('file') ?? ''];
      if (!b || sha256(b) !== m[1]) return this.#json(res, 404, { error: 'no such object' });
      return this.#bytes(req, res, b, { ETag: `"${m[1]}"` }, true);
    }
    this.#json(res, 404, { error: 'not a mock route' });
  }

  #bytes(req: http.IncomingMessage, res: http.ServerResponse, whole: Buffer, headers: Record<string, string>, cdn: boolean): void {
    let body = whole;
    let status = 200;
    const out: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ...headers };
    const r = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    let start = 0;
    if (r) {
      start = Number(r[1]);
      const end = r[2] ? Math.min(Number(r[2]), whole.length - 1) : whole.length - 1;
      body = whole.subarray(start, end + 1);
      status = 206;
      out['Content-Range'] = `bytes ${start}-${end}/${whole.length}`;
    }
    const probe = req.headers.range === 'bytes=0-0';
    if (cdn && !probe && this.faults.corrupt && this.faults.corrupt.times > 0) {
      this.faults.corrupt.times--;
      body = Buffer.from(body);
      body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
    }
    out['Content-Length'] = String(body.length);
    res.writeHead(status, out);
    if (req.method === 'HEAD') return void res.end();
    const cut = this.faults.cutAfter;
    if (cdn && !probe && cut && cut.times > 0 && body.length > cut.bytes) {
      cut.times--;
      res.write(body.subarray(0, cut.bytes), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  }
}
