/**
 * Every error answer is `{"error": {"code", "message"}}` with a code from the package's closed
 * list (ERROR_CODES). This module maps library errors and request problems onto HTTP statuses.
 */
import type { FastifyError, FastifyReply } from 'fastify';
import { isDistilBertError, type ErrorCode } from '../index';

/** A request problem found by the server itself (limits, auth, routing), with its status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  DBN_INVALID_ARGUMENT: 400,
  DBN_NO_MASK: 400,
  DBN_INPUT_TOO_LONG: 413,
  DBN_UNSUPPORTED_MODEL: 404,
  DBN_OVERLOADED: 429,
  DBN_ABORTED: 503,
  DBN_DISPOSED: 503,
  DBN_OUT_OF_MEMORY: 503,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Status, headers and body for anything a handler threw. Never a 500 for a request's fault. */
export function toHttp(e: unknown): { status: number; headers: Record<string, string>; body: ErrorBody } {
  if (e instanceof HttpError) return { status: e.statusCode, headers: e.headers, body: { error: { code: e.code, message: e.message } } };
  if (isDistilBertError(e)) {
    const status = STATUS[e.code] ?? 500;
    const headers: Record<string, string> = e.code === 'DBN_OVERLOADED' ? { 'retry-after': '1' } : {};
    return { status, headers, body: { error: { code: e.code, message: e.message } } };
  }
  const fe = e as Partial<FastifyError> & { validation?: unknown };
  if (fe && fe.validation) {
    return { status: 400, headers: {}, body: { error: { code: 'DBN_INVALID_ARGUMENT', message: `Invalid request body: ${fe.message}` } } };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 413 ? 'DBN_INPUT_TOO_LONG' : 'DBN_INVALID_ARGUMENT';
    return { status: fe.statusCode, headers: {}, body: { error: { code, message: fe.message ?? 'bad request' } } };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, headers: {}, body: { error: { code: 'DBN_INTERNAL', message } } };
}

export function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const { status, headers, body } = toHttp(e);
  return reply.code(status).headers(headers).send(body);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a value of type ${typeof value}`;
}

/** The package's sentence shape: "Expected <what> for <name> but received <value>". */
export function invalidArgumentError(what: string, name: string, value: unknown): HttpError {
  return new HttpError(400, 'DBN_INVALID_ARGUMENT', `Expected ${what} for ${name} but received ${describe(value)}`);
}
