/** The task registry is the one table pipeline() and the head checks read. */
import { describe, expect, it } from 'vitest';
import { Model, TASKS } from '../../lib/index';

describe('task registry', () => {
  it('publishes the routes the server serves', () => {
    expect(Object.fromEntries(Object.values(TASKS).map((t) => [t.canonical, t.route]))).toEqual({
      'fill-mask': 'fill-mask', 'text-classification': 'classify', 'token-classification': 'ner', 'question-answering': 'qa', 'feature-extraction': 'embed',
    });
  });

  it('names a Model method, a route and a head (or none) for every task; aliases share their task', () => {
    for (const [task, spec] of Object.entries(TASKS)) {
      expect(typeof (Model.prototype as unknown as Record<string, unknown>)[spec.method]).toBe('function');
      expect(TASKS[spec.canonical]).toBe(spec);
      expect(spec.route).toBe(TASKS[spec.canonical].route);
      expect(Object.keys(spec.options)).toContain('signal');
    }
    expect(TASKS['sentiment-analysis']).toBe(TASKS['text-classification']);
    expect(TASKS.ner).toBe(TASKS['token-classification']);
    expect(TASKS['feature-extraction'].head).toBeNull();
    expect(TASKS['fill-mask'].head).toBe('DistilBertForMaskedLM');
    expect(Object.isFrozen(TASKS)).toBe(true);
  });
});
