/**
 * The JSON body parser: reads the body itself so that size, read time (slow-loris partial
 * bodies) and nesting depth are each refused with the package's JSON error, before JSON.parse
 * builds anything from it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors';

export interface BodyLimits {
  /** Bytes; default 1 MiB. */
  bodyLimit: number;
  /** Milliseconds from the first header to the last body byte; default 10 s. */
  bodyTimeoutMs: number;
  /** Deepest `[`/`{` nesting; default 16. */
  maxDepth: number;
}

/** Nesting depth of a JSON text, counting brackets outside strings; stops early past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

export function installJsonParser(app: FastifyInstance, limits: BodyLimits): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload, done) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, value?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      payload.removeAllListeners('data');
      done(err, value);
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.bodyLimit) {
      finish(new HttpError(413, 'DBN_INPUT_TOO_LONG', `Request body of ${declared} bytes is over the ${limits.bodyLimit}-byte limit`));
      payload.resume();
      return;
    }
    timer = setTimeout(() => {
      finish(new HttpError(408, 'DBN_INVALID_ARGUMENT', `Request body not received within ${limits.bodyTimeoutMs} ms`, { connection: 'close' }));
      // Stop reading, and let the 408 (Connection: close) end the socket: destroying the body
      // stream now would destroy the socket before the answer, which goes out after the
      // onSend hooks, is written. The backstop destroys it if no answer went out in a second.
      payload.pause();
      setTimeout(() => payload.destroy(), 1000).unref();
    }, limits.bodyTimeoutMs);
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.bodyLimit) {
        finish(new HttpError(413, 'DBN_INPUT_TOO_LONG', `Request body is over the ${limits.bodyLimit}-byte limit`, { connection: 'close' }));
        payload.resume();
        return;
      }
      chunks.push(chunk);
    });
    payload.on('error', (e) => finish(new HttpError(400, 'DBN_INVALID_ARGUMENT', `Request body could not be read: ${e.message}`)));
    payload.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return finish(new HttpError(400, 'DBN_INVALID_ARGUMENT', 'Expected a JSON body but received an empty one'));
      const depth = jsonDepth(text, limits.maxDepth);
      if (depth > limits.maxDepth) {
        return finish(new HttpError(400, 'DBN_INVALID_ARGUMENT', `JSON nested deeper than ${limits.maxDepth} levels`));
      }
      try {
        finish(null, JSON.parse(text));
      } catch (e) {
        finish(new HttpError(400, 'DBN_INVALID_ARGUMENT', `Malformed JSON body: ${(e as Error).message}`));
      }
    });
  });
}
