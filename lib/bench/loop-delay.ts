// Event-loop delay while a piece of work runs: what a server sharing the thread would feel.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoopDelay } from './job.js';

/** Runs `fn` with a 1 ms-resolution event-loop delay histogram enabled; returns its result and the delays. */
export async function withLoopDelay<T>(fn: () => Promise<T>): Promise<{ value: T; delay: LoopDelay }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    const value = await fn();
    h.disable();
    // The histogram records nanoseconds and includes the 1 ms timer period itself: subtract it.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - 1);
    const delay = h.count > 0 ? { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) } : { p50Ms: 0, p99Ms: 0, maxMs: 0 };
    return { value, delay };
  } finally {
    h.disable();
  }
}
