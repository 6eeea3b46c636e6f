/** Server test plumbing: a server on a loaded model, reachable by inject() and a real socket on 127.0.0.1. */
import type { AddressInfo } from 'node:net';
import { loadModel, type LoadModelOptions, type Model } from '../../lib/index';
import { createServer, type DistilBertServer, type ServerOptions } from '../../lib/server';

export interface Served {
  model: Model;
  server: DistilBertServer;
  url: string;
  close(): Promise<void>;
}

export async function serve(dir: string, options: ServerOptions = {}, load: LoadModelOptions = {}): Promise<Served> {
  const model = await loadModel(dir, load);
  const server = await createServer(model, options);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  return {
    model,
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await server.app.close();
      await model.dispose();
    },
  };
}

/** POSTs JSON over a real socket, bounded in time. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: r.status, headers: r.headers, json: (await r.json()) as any };
}

/** The library's result as JSON would carry it. */
export const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Float32Array ? Array.from(x) : x)));
