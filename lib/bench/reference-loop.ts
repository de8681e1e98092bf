// llama.cpp's own generation loop inside llama-loom's process, on llama-loom's context
// (`referenceLoop` in native/reference-loop.cpp: llama.cpp's C API only). Paired with llama-loom's
// generations on that same context, it leaves nothing between the two but llama-loom's own work
// per token: no second process, whose start order alone moved the cross-process pairing 1–2 %.
import type { Context } from '../context.js';
import { LoomError } from '../errors.js';
import { native, nativeError } from '../native.js';
import { checkBoolean, checkInteger } from '../validate.js';

/**
 * Runs llama.cpp's loop for `tokens` tokens from BOS on `ctx` (its cache cleared first): its greedy
 * sampler picking every next token, or with `greedy: false` llama-bench's tg loop (random tokens,
 * no logits read). Synchronous, on the JS thread, as an inline decode; parks the context's workers
 * afterwards, as llama-loom does when a generation ends. Leaves no logits rows.
 */
export function referenceLoop(ctx: Context, tokens: number, o: { greedy?: boolean } = {}): { tokensPerSecond: number; lastToken: number } {
  checkInteger('tokens', tokens, { min: 1, max: ctx.contextSize });
  const greedy = o.greedy === undefined ? true : checkBoolean('greedy', o.greedy);
  const run = native().referenceLoop;
  if (!run) throw new LoomError('INTERNAL', 'this build of the addon has no referenceLoop');
  if (ctx.disposed) throw new LoomError('DISPOSED', 'the context has been disposed');
  let r: { nanoseconds: number; lastToken: number };
  try {
    r = run(ctx.handle, tokens, greedy);
  } catch (err) {
    throw nativeError(err, 'referenceLoop');
  }
  ctx.parkWorkers();
  return { tokensPerSecond: (tokens * 1e9) / r.nanoseconds, lastToken: r.lastToken };
}
