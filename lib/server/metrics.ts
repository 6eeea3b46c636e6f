/**
 * Prometheus metrics on a registry of this server's own (two servers in one process don't
 * share counters): requests by route and status, latency, and the model's work counters read
 * from `model.stats()` at scrape time.
 */
import client from 'prom-client';
import type { Model, ModelStats } from '../index';

export interface ServerMetrics {
  registry: client.Registry;
  observe(route: string, method: string, status: number, seconds: number): void;
  /** HTTP requests whose headers arrived and that are not answered yet, by route (+1 / -1). */
  inFlight: client.Gauge<'route'>;
}

export function createMetrics(model: Model): ServerMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'dbn_' });
  const requests = new client.Counter({
    name: 'dbn_http_requests_total',
    help: 'HTTP requests answered, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: 'dbn_http_request_duration_seconds',
    help: 'Time from request to response, by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inFlight = new client.Gauge({
    name: 'dbn_http_requests_in_flight',
    help: 'HTTP requests received and not answered yet, by route (scale out on this, or on dbn_queue_calls)',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: (s: ModelStats) => number) =>
    new client.Gauge({ name, help, registers: [registry], collect() { this.set(read(model.stats())); } });
  gauge('dbn_queue_calls', 'Calls waiting for a batch (what maxQueue limits; scale out on this)', (s) => s.queuedCalls);
  gauge('dbn_queue_sequences', 'Sequences waiting for a batch', (s) => s.queuedSequences);
  gauge('dbn_running_sequences', 'Sequences in the batch running now', (s) => s.runningSequences);
  // Counters that mirror the model's own totals: each scrape adds what happened since the last.
  const mirrored = (name: string, help: string, read: (s: ModelStats) => number) => {
    let seen = 0;
    return new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = read(model.stats());
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  };
  mirrored('dbn_batches_total', 'Native batches run (sequences_total / batches_total is the mean batch size)', (s) => s.batches);
  mirrored('dbn_sequences_total', 'Sequences run', (s) => s.sequences);
  mirrored('dbn_tokens_total', 'Real tokens run through the encoder', (s) => s.tokens);
  mirrored('dbn_busy_seconds_total', 'Time the model spent running batches', (s) => s.busyMs / 1000);
  return {
    registry,
    inFlight,
    observe(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route }, seconds);
    },
  };
}
