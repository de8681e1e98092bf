// DecodeScheduler on its own, with fake decodes (no addon): which path each step takes, and that
// a stretch of inline steps still gives the event loop a turn at least every INLINE_SLICE_MS.
import { DecodeScheduler, INLINE_SLICE_MS } from '../../lib/decode-scheduler.js';

type Path = 'inline' | 'off';

/** Blocks the JS thread for `ms` of wall time (what a slow inline decode does). */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin */ }
}

/**
 * A scheduler with fakes that record which path ran; the durations are the fakes' to choose. With
 * `fakeClock` the scheduler reads a clock the fakes advance by exactly their duration, so which
 * path a step takes cannot depend on how busy the machine is; without it the fakes block (or
 * wait) for real and the scheduler reads performance.now().
 */
function harness(maxInlineMs: number, fakeClock = true) {
  let clock = 0;
  const scheduler = fakeClock ? new DecodeScheduler(maxInlineMs, () => clock) : new DecodeScheduler(maxInlineMs);
  const paths: Path[] = [];
  let inlineMs = 0;
  let offMs = 0;
  const inline = () => {
    paths.push('inline');
    if (fakeClock) clock += inlineMs;
    else if (inlineMs > 0) busyWait(inlineMs);
  };
  const off = async () => {
    paths.push('off');
    // Resolves through the event loop like a decode settled by the decode thread.
    if (fakeClock) {
      clock += offMs;
      await new Promise((r) => setImmediate(r));
    } else {
      await new Promise((r) => (offMs > 0 ? setTimeout(r, offMs) : setImmediate(r)));
    }
  };
  return {
    scheduler,
    paths,
    setInlineMs: (ms: number) => { inlineMs = ms; },
    setOffMs: (ms: number) => { offMs = ms; },
    runs: async (n: number) => { for (let i = 0; i < n; i++) await scheduler.run(inline, off); },
  };
}

test('the first two decodes run off the JS thread, then fast ones run inline', async () => {
  const h = harness(1000);
  expect(h.scheduler.inline).toBe(false);
  await h.runs(2);
  expect(h.paths).toEqual(['off', 'off']);
  await h.runs(20);
  expect(h.paths.slice(2)).toEqual(new Array(20).fill('inline'));
});

test('decodes slower than maxInlineMs stay off the JS thread', async () => {
  const h = harness(2);
  h.setOffMs(15); // each off-thread decode takes ≥ 15 ms, well over the 2 ms allowed
  await h.runs(8);
  expect(h.paths).toEqual(new Array(8).fill('off'));
});

test('inline decodes that become slow move back off the JS thread, and back inline once fast again', async () => {
  const h = harness(5);
  await h.runs(6);
  expect(h.paths).toEqual(['off', 'off', 'inline', 'inline', 'inline', 'inline']);
  // A loaded machine or a growing KV cache: every decode now blocks 30 ms, inline or not.
  h.setInlineMs(30);
  h.setOffMs(30);
  const before = h.paths.length;
  await h.runs(8);
  const slow = h.paths.slice(before);
  expect(slow[0]).toBe('inline');
  const firstOff = slow.indexOf('off');
  expect(firstOff).toBeGreaterThan(0);
  // Once off the JS thread, slow decodes stay there.
  expect(slow.slice(firstOff)).toEqual(new Array(slow.length - firstOff).fill('off'));
  // Fast again: the estimate falls back under the bound and steps return inline.
  h.setOffMs(0);
  h.setInlineMs(0);
  const after = h.paths.length;
  await h.runs(40);
  expect(h.paths.slice(after)).toContain('inline');
});

test('maxInlineMs 0 never inlines', async () => {
  const h = harness(0);
  await h.runs(50);
  expect(h.paths).toEqual(new Array(50).fill('off'));
  expect(h.scheduler.inline).toBe(false);
});

test('errors of either path reach the caller; the scheduler keeps working', async () => {
  const s = new DecodeScheduler(1000);
  const boom = new Error('boom');
  await expect(s.run(() => undefined, () => Promise.reject(boom))).rejects.toBe(boom);
  await s.run(() => undefined, () => Promise.resolve());
  await s.run(() => undefined, () => Promise.resolve());
  expect(s.inline).toBe(true);
  await expect(s.run(() => { throw boom; }, () => Promise.resolve())).rejects.toBe(boom);
  let ran = '';
  await s.run(() => { ran = 'inline'; }, async () => { ran = 'off'; });
  expect(ran).not.toBe('');
});

describe('a stretch of inline decodes yields to the event loop', () => {
  const RUN_MS = 1;
  const RUNS = 120; // ≥ 120 ms of blocking work in total: far more than one slice

  it(`lets a setImmediate callback run at least every ${INLINE_SLICE_MS} ms of inline work`, async () => {
    const h = harness(1000, false);
    await h.runs(2); // warm-up, off-thread
    h.setInlineMs(RUN_MS);
    const inlineBefore = () => h.paths.filter((p) => p === 'inline').length;
    const turns: Array<{ at: number; inlineRuns: number }> = [];
    let done = false;
    const tick = () => {
      turns.push({ at: performance.now(), inlineRuns: inlineBefore() });
      if (!done) setImmediate(tick);
    };
    setImmediate(tick); // scheduled before the stretch starts
    let timerFired = false;
    setTimeout(() => { timerFired = true; }, 1);
    const t0 = performance.now();
    const start = inlineBefore();
    await h.runs(RUNS);
    done = true;
    const elapsed = performance.now() - t0;
    expect(h.paths.slice(2)).toEqual(new Array(RUNS).fill('inline'));
    expect(elapsed).toBeGreaterThanOrEqual(RUNS * RUN_MS);
    // Timers get their turn too, not only immediates.
    expect(timerFired).toBe(true);
    // The callback ran during the stretch, not only after it.
    const during = turns.filter((t) => t.inlineRuns > start && t.inlineRuns < start + RUNS);
    expect(during.length).toBeGreaterThan(0);
    // Between two turns of the event loop: at most one slice of inline work plus the decode
    // that crossed the slice's end (each fake decode blocks ≥ RUN_MS).
    let maxRunsBetween = turns[0]!.inlineRuns - start;
    for (let i = 1; i < turns.length; i++) maxRunsBetween = Math.max(maxRunsBetween, turns[i]!.inlineRuns - turns[i - 1]!.inlineRuns);
    expect(maxRunsBetween).toBeLessThanOrEqual(Math.ceil(INLINE_SLICE_MS / RUN_MS) + 1);
    // In wall time (generous: this VM is shared): nowhere near the whole stretch.
    let maxGap = 0;
    for (let i = 1; i < turns.length; i++) maxGap = Math.max(maxGap, turns[i]!.at - turns[i - 1]!.at);
    expect(maxGap).toBeLessThan(50);
  });

  it('does not yield while inline decodes are shorter than a slice in total', async () => {
    const h = harness(1000, false);
    await h.runs(2);
    let turned = false;
    setImmediate(() => { turned = true; });
    // Ten instant inline decodes take far less than INLINE_SLICE_MS: no event-loop turn needed.
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await h.scheduler.run(() => { h.paths.push('inline'); }, async () => { h.paths.push('off'); });
    const elapsed = performance.now() - t0;
    expect(h.paths.slice(2)).toEqual(new Array(10).fill('inline'));
    if (elapsed < INLINE_SLICE_MS) expect(turned).toBe(false);
  });
});
