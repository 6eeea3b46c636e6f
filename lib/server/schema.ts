/**
 * The JSON Schema building blocks of the server's routes. A route's body schema is what fastify
 * validates the request with (validation.ts) and what /openapi.json publishes (openapi.ts): one
 * definition each, so the document cannot drift from what the server enforces. The dialect is
 * the subset that Ajv (draft-07) and OpenAPI 3.1 (JSON Schema 2020-12) read alike: type unions,
 * anyOf, enum, const, single-schema `items`; no tuple `items`, no `definitions`, no `$ref`.
 */
import { ERROR_CODES } from '../index';

/** The request-shape limits the text schemas carry (createServer's options). */
export interface InputLimits {
  /** Texts per request (`maxItems`); default 256. */
  maxInputs: number;
  /** Characters per text (`maxLength`: Unicode code points, as JSON Schema counts); default 100,000. */
  maxStringLength: number;
}

/** A JSON Schema object as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/** Which schema objects publish as `#/components/schemas/<name>` (by identity; see {@link component}). */
const COMPONENT_NAMES = new WeakMap<object, string>();

/**
 * Marks `schema` as a named component: routes embed the object itself (Ajv compiles it inline),
 * and the OpenAPI document replaces every occurrence with a `$ref` to one copy under that name.
 */
export function component<T extends JsonSchema>(name: string, schema: T): T {
  COMPONENT_NAMES.set(schema, name);
  return schema;
}

export function componentName(schema: object): string | undefined {
  return COMPONENT_NAMES.get(schema);
}

/** No U+0000 anywhere in a text (what the NUL check stands for; validation.ts words its error). */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

export interface TextSchemas {
  /** One text: a string within the character limit and without NUL. */
  text: JsonSchema;
  /** One text, or a non-empty array of at most `maxInputs` texts. */
  texts: JsonSchema;
  /** `{"question", "context"}`, both texts. */
  qaInput: JsonSchema;
}

/** The text schemas under this server's limits (maxLength, maxItems are the configured ones). */
export function textSchemas(limits: InputLimits): TextSchemas {
  const text = component('Text', {
    type: 'string',
    maxLength: limits.maxStringLength,
    pattern: NO_NUL_PATTERN,
    description: `A text: at most ${limits.maxStringLength} characters (Unicode code points; longer → 413), no U+0000 (→ 400)`,
  });
  const textList = component('TextList', {
    type: 'array',
    items: text,
    minItems: 1,
    maxItems: limits.maxInputs,
    description: `1 to ${limits.maxInputs} texts (more → 413), answered in order`,
  });
  const texts = component('Texts', {
    type: ['string', 'array'],
    anyOf: [text, textList],
    description: 'One text (one result) or an array of texts (an array of results)',
  });
  const qaInput = component('QuestionAnsweringInput', {
    type: 'object',
    additionalProperties: false,
    required: ['question', 'context'],
    properties: { question: text, context: text },
  });
  return { text, texts, qaInput };
}

/** The body of every error answer. */
export const ERROR_SCHEMA = component('Error', {
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES], description: "The package's error code; branch on this" },
        message: { type: 'string', description: 'What went wrong and what to do about it' },
      },
    },
  },
});

/** A 1-D float vector. */
export const VECTOR_SCHEMA = component('Vector', { type: 'array', items: { type: 'number' } });
