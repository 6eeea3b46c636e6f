/**
 * `--api-key`: every route needs `Authorization: Bearer KEY` except liveness, readiness and the
 * playground's static files (the page sends the key with its API calls). /openapi.json marks
 * the same routes as open, through {@link needsKey}.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError, sendError } from './errors';

/** Whether `method url` (no query string) needs the key when one is set. */
export function needsKey(method: string, url: string): boolean {
  if (method === 'OPTIONS') return false;
  if (url === '/health' || url === '/ready') return false;
  if (method === 'GET' && (url === '/' || url.startsWith('/playground/'))) return false;
  return true;
}

function keyMatches(header: string | undefined, key: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  // Fixed-length digests so the comparison takes the same time whatever was sent.
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(key).digest();
  return crypto.timingSafeEqual(a, b) && given.length > 0;
}

export function installAuth(app: FastifyInstance, key: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!needsKey(request.method, request.url.split('?')[0]!)) return;
    if (!keyMatches(request.headers.authorization, key)) {
      return sendError(reply, new HttpError(401, 'DBN_INVALID_ARGUMENT', 'Missing or wrong API key; send Authorization: Bearer KEY', { 'www-authenticate': 'Bearer' }));
    }
  });
}
