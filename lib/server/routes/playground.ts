/**
 * The playground: `GET /` and `/playground/*`, static files shipped beside this module
 * (lib/server/playground, copied to dist/server/playground by `npm run build:ts`).
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { RouteDoc } from '../openapi';

export const PLAYGROUND_DIR = path.join(__dirname, '..', 'playground');

export async function playgroundRoutes(app: FastifyInstance): Promise<void> {
  if (!fs.existsSync(path.join(PLAYGROUND_DIR, 'index.html'))) {
    throw new Error(`playground assets missing at ${PLAYGROUND_DIR}; run npm run build:ts`);
  }
  await app.register(fastifyStatic, { root: PLAYGROUND_DIR, prefix: '/playground/', index: false });
  const doc: RouteDoc = {
    operationId: 'playground',
    summary: "Playground page (static, no CDN; tabs for the head's tasks; never needs the key)",
    tags: ['Operations'],
    response: { type: 'string' },
    responseType: 'text/html',
  };
  app.get('/', { config: { doc } }, (_request, reply) => reply.sendFile('index.html'));
}
