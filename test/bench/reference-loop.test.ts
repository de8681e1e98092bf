// The bench's in-process reference (lib/bench/reference-loop.ts → native/reference-loop.cpp):
// llama.cpp's own loop on a llama-loom context must pick what llama-loom's greedy generation picks,
// leave the context as usable as a generation does, and refuse what it cannot run.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { referenceLoop } from '../../lib/bench/reference-loop.js';
import { generate, loadModel, type Context, type Model } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fixturePath } from '../helpers/fixtures.js';

describe('referenceLoop', () => {
  let model: Model;
  let ctx: Context;
  beforeAll(async () => {
    model = await loadModel(await fixturePath('tiny-f16'));
    ctx = await model.createContext({ contextSize: 64, inlineDecodeMs: 1000 });
  });
  afterAll(() => model?.dispose());

  it("greedy turns pick what llama-loom's greedy generation picks, on the same context", async () => {
    for (const n of [1, 5, 16, 40]) {
      const loom = await generate(ctx, [model.bos!], { maxNewTokens: n });
      expect(loom.tokens).toHaveLength(n);
      const r = referenceLoop(ctx, n);
      expect(r.tokensPerSecond).toBeGreaterThan(0);
      expect(r.lastToken).toBe(loom.tokens[n - 1]);
    }
  });

  it('runs llama-bench\'s tg loop without picking, and leaves no logits rows behind', async () => {
    ctx.clear();
    await ctx.decode({ tokens: [model.bos!] });
    const view = ctx.logits(-1);
    expect(view.length).toBe(model.vocabSize);
    const r = referenceLoop(ctx, ctx.contextSize, { greedy: false });
    expect(r.lastToken).toBe(-1);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(view.length).toBe(0); // detached before the loop overwrote the buffer
    expect(() => ctx.logits(-1)).toThrow();
    // the context goes on as after any generation
    const again = await generate(ctx, [model.bos!], { maxNewTokens: 5 });
    expect(again.tokens).toHaveLength(5);
  });

  it('rejects counts outside [1, contextSize] and a bad flag, naming the parameter', () => {
    expect(() => referenceLoop(ctx, 0)).toThrow(/tokens/);
    expect(() => referenceLoop(ctx, ctx.contextSize + 1)).toThrow(/tokens/);
    expect(() => referenceLoop(ctx, 2.5)).toThrow(/tokens/);
    expect(() => referenceLoop(ctx, 4, { greedy: 'yes' as unknown as boolean })).toThrow(/greedy/);
    // and the addon checks again
    const raw = native().referenceLoop!;
    expect(() => raw(ctx.handle, 0, true)).toThrow(/count/);
    expect(() => raw(ctx.handle, 4, 1 as unknown as boolean)).toThrow(/greedy/);
    expect(() => raw({} as unknown as typeof ctx.handle, 4, true)).toThrow(/context/);
  });

  it('refuses a context that is decoding, and a disposed one', async () => {
    ctx.clear();
    // the native decode starts at once (Context.decode would start it a microtask later)
    const pending = ctx.handle.decode(Int32Array.of(model.bos!), Int32Array.of(0), Int32Array.of(0), Uint8Array.of(1));
    expect(() => referenceLoop(ctx, 4)).toThrow(expect.objectContaining({ code: 'BUSY' }) as unknown as Error);
    await pending;
    const other = await model.createContext({ contextSize: 16 });
    other.dispose();
    expect(() => referenceLoop(other, 4)).toThrow(expect.objectContaining({ code: 'DISPOSED' }) as unknown as Error);
  });
});
