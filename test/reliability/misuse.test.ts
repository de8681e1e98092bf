// Every misuse of the public API ends in a typed error (LoomError with a code, or a
// TypeError/RangeError naming the parameter) and leaves the process and the objects usable.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, isLoomError, loadModel, type Context, type LoomErrorCode, type Model } from '../../lib/index.js';
import { fixturePath } from '../helpers/fixtures.js';
import { bigModelPath } from './big-model.js';

let model: Model;
let big: Model;
beforeAll(async () => {
  model = await loadModel(await fixturePath('tiny-f32'));
  big = await loadModel(bigModelPath());
});
afterAll(() => { model.dispose(); big.dispose(); });

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
async function expectCode(p: Promise<unknown> | (() => unknown), ...codes: LoomErrorCode[]): Promise<Error> {
  const err = await rejection(p);
  expect(isLoomError(err)).toBe(true);
  expect(codes).toContain((err as { code: string }).code);
  return err as Error;
}
const ctxOf = (m: Model, o = {}): Promise<Context> => m.createContext({ contextSize: 256, threads: 2, ...o });
/** Polls until the context's native decode is running on the worker pool. */
async function untilBusy(ctx: Context): Promise<void> {
  for (let i = 0; i < 10_000 && !ctx.handle.busy; i++) await new Promise((r) => setImmediate(r));
  expect(ctx.handle.busy).toBe(true);
}
/** Matches an error by name: errors made by the addon belong to another realm than jest's classes. */
const named = (name: string) => ({ asymmetricMatch: (e: unknown) => (e as Error)?.name === name, toString: () => name }) as unknown as Error;
const longBatch = (n: number) => ({ tokens: Int32Array.from({ length: n }, (_, i) => 10 + (i % 300)) });

describe('use after dispose', () => {
  it('every model method reaching llama.cpp throws DISPOSED; dispose is idempotent', async () => {
    const m = await loadModel(await fixturePath('tiny-q8_0'));
    m.tokenBytes(42); // cached before dispose: must not keep answering afterwards
    const ctx = await ctxOf(m);
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    expect(ctx.disposed).toBe(true); // disposing the model disposes its contexts
    const calls: Array<() => unknown> = [
      () => m.tokenize('hi'), () => m.detokenize([5]), () => m.tokenBytes(42), () => m.tokenBytes(43),
      () => m.tokenText(5), () => m.createContext(), () => m.createDetokenizer().push(44),
    ];
    for (const call of calls) await expectCode(call, 'DISPOSED');
  });

  it('every context method throws DISPOSED; abort() and dispose() stay harmless', async () => {
    const ctx = await ctxOf(model);
    await ctx.decode({ tokens: [1, 2, 3] });
    const view = ctx.logits();
    ctx.dispose();
    ctx.dispose();
    ctx.abort();
    expect(view.length).toBe(0); // the zero-copy view was detached, not left dangling
    const calls: Array<() => unknown> = [
      () => ctx.decode({ tokens: [1] }), () => ctx.evaluate([1]), () => ctx.logits(), () => ctx.info(),
      () => ctx.removeTokens(0), () => ctx.copySequence(0, 0), () => ctx.keepSequence(0), () => ctx.shiftPositions(0, 0, 1, 1),
      () => ctx.sequencePositions(0), () => ctx.clear(), () => generate(ctx, 'hi', { maxNewTokens: 2 }),
    ];
    for (const call of calls) await expectCode(call, 'DISPOSED');
  });
});

describe('dispose while running', () => {
  it('disposing a context during a native decode rejects it with DISPOSED', async () => {
    const ctx = await ctxOf(big, { contextSize: 512, batchSize: 512 });
    const running = ctx.decode(longBatch(512));
    await untilBusy(ctx);
    ctx.dispose();
    await expectCode(running, 'DISPOSED');
    expect((await generate(big, 'still alive', { maxNewTokens: 2, context: { contextSize: 64 } })).tokens.length).toBe(2);
  });

  it('disposing the context during generate rejects it with DISPOSED or ABORTED', async () => {
    const ctx = await ctxOf(model);
    let steps = 0;
    const run = generate(ctx, 'Once upon a time', { maxNewTokens: 200, minNewTokens: 200 }, () => { if (++steps === 5) ctx.dispose(); });
    await expectCode(run, 'DISPOSED', 'ABORTED');
    expect(steps).toBeLessThan(10);
  });

  it('disposing the model during a decode of one of its contexts rejects with DISPOSED', async () => {
    const m = await loadModel(bigModelPath());
    const ctx = await ctxOf(m, { contextSize: 512, batchSize: 512 });
    const running = ctx.decode(longBatch(512));
    await untilBusy(ctx);
    m.dispose();
    await expectCode(running, 'DISPOSED');
  });
});

describe('concurrency', () => {
  it('a second generation on a busy context gets BUSY; the first completes', async () => {
    const ctx = await ctxOf(model);
    const first = generate(ctx, 'Once upon a time', { maxNewTokens: 16, minNewTokens: 16 });
    await expectCode(generate(ctx, 'Another prompt', { maxNewTokens: 4 }), 'BUSY');
    expect((await first).tokens.length).toBe(16);
    ctx.dispose();
  });

  it('concurrent decode calls are serialised: the same logits as awaiting each in turn', async () => {
    const ids = Array.from(model.tokenize('The quick brown fox jumps over the lazy dog and runs away'));
    const chunks = [ids.slice(0, 4), ids.slice(4, 8), ids.slice(8)];
    const batches = chunks.map((tokens, k) => ({ tokens, positions: tokens.map((_, i) => 4 * k + i) }));
    const a = await ctxOf(model);
    await Promise.all(batches.map((b) => a.decode(b)));
    const together = Float32Array.from(a.logits());
    const b = await ctxOf(model);
    for (const batch of batches) await b.decode(batch);
    expect(Array.from(together)).toEqual(Array.from(b.logits()));
    a.dispose();
    b.dispose();
  });
});

describe('sizes and batches', () => {
  it('a prompt longer than the context is CONTEXT_OVERFLOW', async () => {
    const ctx = await model.createContext({ contextSize: 256, batchSize: 64, threads: 2 });
    const long = Array.from({ length: ctx.contextSize + 10 }, (_, i) => 10 + (i % 300));
    await expectCode(generate(ctx, long, { maxNewTokens: 4 }), 'CONTEXT_OVERFLOW');
    await expectCode(ctx.evaluate(long), 'CONTEXT_OVERFLOW');
    await expectCode(() => ctx.decode({ tokens: [5], positions: [ctx.contextSize] }), 'CONTEXT_OVERFLOW');
    expect((await generate(ctx, 'fine', { maxNewTokens: 3, minNewTokens: 3 })).tokens.length).toBe(3); // still usable
    ctx.dispose();
  });

  it('sequences that overfill a small shared context get NO_KV_SLOT', async () => {
    const ctx = await model.createContext({ contextSize: 256, batchSize: 256, sequences: 2, threads: 2 });
    const n = ctx.contextSize;
    await ctx.decode({ tokens: Array.from({ length: n }, () => 7), positions: Array.from({ length: n }, (_, i) => i), logits: 'last' });
    await expectCode(ctx.decode({ tokens: [5, 6], positions: [0, 1], seqIds: [1, 1] }), 'NO_KV_SLOT');
    ctx.removeTokens(0);
    await ctx.decode({ tokens: [5, 6], positions: [0, 1], seqIds: [1, 1] }); // room again
    ctx.dispose();
  });

  it('INVALID_BATCH: too many tokens, gaps in positions, inconsistent arrays, no outputs', async () => {
    const ctx = await model.createContext({ contextSize: 256, batchSize: 16, threads: 2 });
    await expectCode(() => ctx.decode(longBatch(17)), 'INVALID_BATCH');
    await expectCode(ctx.decode({ tokens: [5, 6], positions: [0, 5] }), 'INVALID_BATCH');
    // The addon's own checks (lib/native.ts turns these coded errors into LoomErrors).
    const h = ctx.handle;
    const nativeRejects = async (call: () => unknown) => expect(((await rejection(call)) as { code?: string }).code).toBe('INVALID_BATCH');
    await nativeRejects(() => h.decode(Int32Array.of(5, 6), Int32Array.of(0), Int32Array.of(0, 0), Uint8Array.of(1, 1)));
    await nativeRejects(() => h.decode(new Int32Array(0), new Int32Array(0), new Int32Array(0), new Uint8Array(0)));
    await nativeRejects(() => h.decode(Int32Array.of(5), Int32Array.of(0), Int32Array.of(3), Uint8Array.of(1)));
    await nativeRejects(() => h.decode(Int32Array.of(1 << 30), Int32Array.of(0), Int32Array.of(0), Uint8Array.of(1)));
    ctx.clear();
    await ctx.decode({ tokens: [5, 6], logits: [false, false] });
    await expectCode(() => ctx.logits(), 'INVALID_BATCH');
    ctx.dispose();
  });
});

describe('arguments', () => {
  it.each([['topP', 2], ['numBeams', 0], ['temperature', -1], ['maxNewTokens', -3], ['topK', 1.5]])('generate rejects %s: %p with an error naming it', async (name, value) => {
    const err = await rejection(generate(model, 'hi', { [name]: value }));
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toContain(name);
  });

  it('an empty prompt: with BOS it generates, without any token it is a RangeError', async () => {
    expect((await generate(model, '', { maxNewTokens: 2, minNewTokens: 2, context: { contextSize: 64 } })).tokens.length).toBe(2);
    expect(await rejection(generate(model, '', { addSpecial: false }))).toBeInstanceOf(RangeError);
    expect(await rejection(generate(model, [], {}))).toBeInstanceOf(RangeError);
  });

  it('lone surrogates and invalid UTF-8 go through as U+FFFD', async () => {
    // Converting the JS string to UTF-8 replaces each lone surrogate with U+FFFD (WHATWG encode).
    expect(Array.from(model.tokenize('a\uD800b\uDFFFc'))).toEqual(Array.from(model.tokenize('a\uFFFDb\uFFFDc')));
    const byteFF = Array.from({ length: model.vocabSize }, (_, t) => t).find((t) => model.tokenText(t) === '<0xFF>')!;
    expect(model.detokenize([byteFF])).toBe('\uFFFD'); // 0xFF alone is not UTF-8
    const res = await generate(model, '\uD83D prompt', { maxNewTokens: 2, context: { contextSize: 64 } });
    expect(res.tokens.length).toBeGreaterThan(0);
  });

  it('missing files and directories fail with NOT_FOUND or MODEL_LOAD_FAILED naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loom-misuse-'));
    const missing = join(dir, 'nope.gguf');
    for (const [path, validate] of [[dir, true], [dir, false], [missing, true], [missing, false]] as const) {
      const err = await expectCode(loadModel(path, { validate }), 'NOT_FOUND', 'MODEL_LOAD_FAILED');
      expect(err.message).toContain(path);
    }
  });

  it('out-of-range token ids are RangeErrors', () => {
    for (const bad of [-1, model.vocabSize, 2 ** 31]) {
      expect(() => model.detokenize([bad])).toThrow(named('RangeError'));
      expect(() => model.tokenText(bad)).toThrow(named('RangeError'));
      expect(() => model.tokenBytes(bad)).toThrow(named('RangeError'));
      expect(() => model.handle.detokenize(Int32Array.of(bad | 0), false, false)).toThrow(named('RangeError'));
    }
    expect(() => model.detokenize([1.5])).toThrow(named('TypeError'));
  });

  it('native methods called on a foreign receiver throw TypeError instead of crashing', async () => {
    const ctx = await ctxOf(model);
    const ctxProto = Object.getPrototypeOf(ctx.handle) as Record<string, (...a: unknown[]) => unknown>;
    const modelProto = Object.getPrototypeOf(model.handle) as Record<string, (...a: unknown[]) => unknown>;
    const args = [Int32Array.of(1), Int32Array.of(0), Int32Array.of(0), Uint8Array.of(1)];
    expect(() => ctxProto.decode!.call(model.handle, ...args)).toThrow(named('TypeError'));
    expect(() => ctxProto.logits!.call({}, 0)).toThrow(named('TypeError'));
    expect(() => ctxProto.dispose!.call(model.handle)).toThrow(named('TypeError'));
    expect(() => modelProto.tokenize!.call(ctx.handle, 'x', true, false)).toThrow(named('TypeError'));
    expect(() => modelProto.info!.call(Object.create(modelProto))).toThrow(named('TypeError'));
    const { native } = await import('../../lib/native.js');
    expect(() => native().createContext(ctx.handle as never, {})).toThrow(named('TypeError'));
    expect(() => new (ctx.handle.constructor as new (...a: unknown[]) => unknown)(model.handle, {})).toThrow(named('TypeError'));
    await ctx.decode({ tokens: [1, 2] }); // both objects untouched
    expect(ctx.logits().length).toBe(model.vocabSize);
    ctx.dispose();
  });
});
