/** The HTTP layer: `createServer(model, options)`; `distilbert-native serve` runs it. */
export { createServer, type DistilBertServer, type ServerOptions } from './createServer';
export { servedTasks, type ServedTasks, type HeadTask, type TaskRoute } from './tasks';
