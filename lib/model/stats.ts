/** A model's work counters since it was loaded (`model.stats()`); the server's metrics read them. */
export interface ModelStats {
  /** Calls with at least one sequence waiting for a batch (what `maxQueue` limits). */
  queuedCalls: number;
  /** Sequences (texts, or question-answering windows) waiting for a batch. */
  queuedSequences: number;
  /** Sequences in the batch now running (0 when the engine is idle). */
  runningSequences: number;
  /** Native batches run. */
  batches: number;
  /** Sequences run, over all batches. */
  sequences: number;
  /** Real tokens run (special tokens included, no padding: what the engine computes). */
  tokens: number;
  /** Wall-clock milliseconds during which a batch was running. */
  busyMs: number;
}
