/** What every route module receives: the model, what it serves, the limits and their schemas, and `call()`. */
import type { FastifyReply } from 'fastify';
import type { Model } from '../index';
import { HttpError } from './errors';
import type { InputLimits, TextSchemas } from './schema';
import type { ServedTasks } from './tasks';

export interface RouteContext {
  model: Model;
  modelId: string;
  served: ServedTasks;
  limits: InputLimits;
  /** The text schemas under these limits, for the routes' body schemas. */
  schemas: TextSchemas;
  /**
   * Runs `work` with an AbortSignal that fires when the request's timeout passes (→ 504) or the
   * client disconnects first; either way the queued work is cancelled in the batcher.
   */
  call<T>(reply: FastifyReply, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export function makeCall(timeoutMs: number): RouteContext['call'] {
  return async <T>(reply: FastifyReply, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    let rejectAbort!: (e: Error) => void;
    const aborted = new Promise<never>((_, reject) => (rejectAbort = reject));
    const timer = setTimeout(() => {
      rejectAbort(new HttpError(504, 'DBN_ABORTED', `The request took longer than ${timeoutMs} ms and was cancelled; retry, or raise --timeout-ms`));
      controller.abort();
    }, timeoutMs);
    const onClose = () => {
      if (!reply.raw.writableFinished) {
        rejectAbort(new HttpError(499, 'DBN_ABORTED', 'The client closed the connection; its queued work was cancelled'));
        controller.abort();
      }
    };
    reply.raw.on('close', onClose);
    const running = work(controller.signal);
    running.catch(() => undefined); // its rejection is seen through the race below, or is moot
    try {
      return await Promise.race([running, aborted]);
    } finally {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    }
  };
}
