/**
 * Request validation by fastify's own Ajv, on the route schemas of schema.ts, with the package's
 * error answers: a limit (maxItems, maxLength) is 413 DBN_INPUT_TOO_LONG, anything else 400
 * DBN_INVALID_ARGUMENT in the package's sentence shape ("Expected <what> for <name> but
 * received <value>"), naming the field as a path (`inputs[2]`, `options.topK`).
 */
import type { FastifyServerOptions } from 'fastify';
import { HttpError, invalidArgumentError } from './errors';
import { NO_NUL_PATTERN, type JsonSchema } from './schema';

/**
 * Ajv as fastify builds it, minus what would change a request instead of refusing it
 * (fastify's defaults coerce types, fill defaults and silently drop unknown fields).
 * `strict` throws at startup on a schema mistake; `verbose` gives the errors their data.
 */
export const AJV_OPTIONS: NonNullable<FastifyServerOptions['ajv']> = {
  customOptions: {
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    allErrors: false,
    strict: true,
    allowUnionTypes: true,
    verbose: true,
  },
};

/** What Ajv reports (the fields used here). */
interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  data?: unknown;
  parentSchema?: JsonSchema;
}

/** `/inputs/0/question` → `inputs[0].question`; the body itself is `body`. */
function fieldName(pointer: string, context: string): string {
  if (pointer === '') return context;
  let name = '';
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    name += /^\d+$/.test(part) ? `[${part}]` : name === '' ? part : `.${part}`;
  }
  return name;
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', object: 'an object', null: 'null' };
const PLURALS: Record<string, string> = { string: 'strings', number: 'numbers', integer: 'integers', boolean: 'booleans', object: 'objects', array: 'arrays' };

/** The <what> of the sentence, read from a schema: "a string or a non-empty array of strings". */
export function expected(schema: JsonSchema | undefined): string {
  return joinOr(alternatives(schema));
}

function alternatives(schema: JsonSchema | undefined): string[] {
  if (!schema) return ['a valid value'];
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).flatMap(alternatives);
  if ('const' in schema) return [JSON.stringify(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v));
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type)];
  return types.map((t) => typeWord(t, schema));
}

function typeWord(type: string, schema: JsonSchema): string {
  if (type === 'array') {
    const items = schema.items as JsonSchema | undefined;
    const of = typeof items?.type === 'string' ? ` of ${PLURALS[items.type] ?? 'values'}` : '';
    return `${schema.minItems ? 'a non-empty array' : 'an array'}${of}`;
  }
  if ((type === 'integer' || type === 'number') && typeof schema.minimum === 'number') {
    return typeof schema.maximum === 'number'
      ? `${TYPE_WORDS[type]} from ${schema.minimum} to ${schema.maximum}`
      : `${TYPE_WORDS[type]} >= ${schema.minimum}`;
  }
  return TYPE_WORDS[type] ?? type;
}

function joinOr(words: string[]): string {
  const unique = [...new Set(words)];
  return unique.length <= 1 ? (unique[0] ?? '') : `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

/** Characters as JSON Schema's maxLength counts them (code points). */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
}

/**
 * The error that says what is wrong. Ajv stops at the first failing keyword, but an anyOf
 * reports every branch's failure and then its own: when the value's type picks out one branch
 * (an array for "a string or an array of strings"), that branch's error is the one to tell.
 */
function decisive(errors: AjvError[]): AjvError {
  const last = errors[errors.length - 1]!;
  if (last.keyword !== 'anyOf' && last.keyword !== 'oneOf') return last;
  const branches = (last.parentSchema?.[last.keyword] as JsonSchema[] | undefined) ?? [];
  const fitting = branches
    .map((_, i) => errors.filter((e) => e.schemaPath.startsWith(`${last.schemaPath}/${i}/`)))
    .filter((own) => own.length > 0 && !(own[0]!.keyword === 'type' && own[0]!.instancePath === last.instancePath));
  return fitting.length === 1 ? decisive(fitting[0]!) : last;
}

/** fastify's schemaErrorFormatter: Ajv's errors → the package's HttpError. */
export function validationError(errors: AjvError[], context: string): HttpError {
  if (errors.length === 0) return new HttpError(400, 'DBN_INVALID_ARGUMENT', `Invalid request ${context}`);
  const e = decisive(errors);
  const name = fieldName(e.instancePath, context);
  const schema = e.parentSchema;
  switch (e.keyword) {
    case 'required': {
      const field = String(e.params.missingProperty);
      const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
      return invalidArgumentError(expected(properties[field]), e.instancePath === '' ? field : `${name}.${field}`, undefined);
    }
    case 'additionalProperties': {
      const allowed = Object.keys((schema?.properties ?? {}) as object);
      return new HttpError(400, 'DBN_INVALID_ARGUMENT', `Unknown field ${name}.${String(e.params.additionalProperty)}; expected only ${allowed.join(', ')}`);
    }
    case 'maxItems': {
      const items = (schema?.items as JsonSchema | undefined)?.type === 'string' ? 'texts' : 'items';
      const n = Array.isArray(e.data) ? e.data.length : '?';
      return new HttpError(413, 'DBN_INPUT_TOO_LONG', `${name} holds ${n} ${items}, over the ${String(e.params.limit)}-${items.slice(0, -1)} limit; split the request`);
    }
    case 'maxLength': {
      const n = typeof e.data === 'string' ? codePoints(e.data) : '?';
      return new HttpError(413, 'DBN_INPUT_TOO_LONG', `${name} is ${n} characters long, over the ${String(e.params.limit)}-character limit`);
    }
    case 'contains':
      return invalidArgumentError(`an array holding ${expected(schema?.contains as JsonSchema | undefined)}`, name, e.data);
    case 'pattern':
      if (e.params.pattern === NO_NUL_PATTERN) return new HttpError(400, 'DBN_INVALID_ARGUMENT', `${name} holds a NUL character; send text without U+0000`);
      return invalidArgumentError(`a string matching ${String(e.params.pattern)}`, name, e.data);
    default:
      return invalidArgumentError(expected(schema), name, e.data);
  }
}
