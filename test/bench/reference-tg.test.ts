// The bench's persistent llama-bench stand-in (build/bin/loom-ref-tg through lib/bench/reference-tg.ts):
// it must start, time any number of turns, reject counts beyond its context and report a model it
// cannot load, so the paired rounds never divide by a made-up figure.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceTg } from '../../lib/bench/reference-tg.js';
import { generate, loadModel } from '../../lib/index.js';
import { fixturePath } from '../helpers/fixtures.js';
import { referenceTool } from '../helpers/paths.js';

describe('loom-ref-tg', () => {
  let model: string;
  let ref: ReferenceTg;
  beforeAll(async () => {
    model = await fixturePath('tiny-f16');
    ref = await ReferenceTg.start(referenceTool('loom-ref-tg'), model, { threads: 1, maxTokens: 16 });
  }, 60_000);
  afterAll(async () => {
    await ref?.close();
  });

  it('times turns of one to maxTokens tokens, one after another', async () => {
    for (const n of [16, 1, 7, 16]) {
      const r = await ref.run(n);
      expect(Number.isFinite(r.tokensPerSecond)).toBe(true);
      expect(r.tokensPerSecond).toBeGreaterThan(0);
      expect(r.lastToken).toBe(-1); // llama-bench's loop picks nothing
    }
  });

  it('greedy turns pick what llama-loom\'s greedy generation picks', async () => {
    const m = await loadModel(model);
    try {
      const ctx = await m.createContext({ contextSize: 32 });
      for (const n of [1, 5, 16]) {
        const loom = await generate(ctx, [m.bos!], { maxNewTokens: n });
        expect(loom.tokens).toHaveLength(n);
        const r = await ref.run(n, { greedy: true });
        expect(r.tokensPerSecond).toBeGreaterThan(0);
        expect(r.lastToken).toBe(loom.tokens[n - 1]);
      }
    } finally {
      m.dispose();
    }
  });

  it('runs in a context larger than its turns when asked, and refuses one smaller than a turn', async () => {
    await expect(ReferenceTg.start(referenceTool('loom-ref-tg'), model, { threads: 1, maxTokens: 8, contextSize: 7 }))
      .rejects.toThrow('contextSize must be an integer of at least maxTokens (8); received 7');
    const wide = await ReferenceTg.start(referenceTool('loom-ref-tg'), model, { threads: 1, maxTokens: 8, contextSize: 200 });
    const m = await loadModel(model);
    try {
      const ctx = await m.createContext({ contextSize: 200 });
      const loom = await generate(ctx, [m.bos!], { maxNewTokens: 8 });
      expect((await wide.run(8, { greedy: true })).lastToken).toBe(loom.tokens[7]);
      // the larger context does not lift the per-turn limit
      await expect(wide.run(9)).rejects.toThrow('tokens must be an integer in [1, 8]; received 9');
    } finally {
      m.dispose();
      await wide.close();
    }
  });

  it('rejects a count outside [1, maxTokens] before writing to the process, which keeps working', async () => {
    await expect(ref.run(17)).rejects.toThrow('tokens must be an integer in [1, 16]; received 17');
    await expect(ref.run(0)).rejects.toThrow(RangeError);
    await expect(ref.run(2.5)).rejects.toThrow('received 2.5');
    expect((await ref.run(4)).tokensPerSecond).toBeGreaterThan(0);
  });

  it('reports a file llama.cpp cannot load, and a missing binary', async () => {
    const bad = join(tmpdir(), `loom-ref-tg-bad-${process.pid}.gguf`);
    writeFileSync(bad, 'not a gguf file');
    await expect(ReferenceTg.start(referenceTool('loom-ref-tg'), bad, { threads: 1, maxTokens: 8 })).rejects.toThrow(/loom-ref-tg (did not start|exited): load failed/);
    await expect(ReferenceTg.start(join(tmpdir(), 'no-such-loom-ref-tg'), model, { threads: 1, maxTokens: 8 })).rejects.toThrow(/could not start/);
  });

  it('reports a process that dies or prints no timing mid-way (stand-in scripts)', async () => {
    const script = (name: string, body: string): string => {
      const path = join(tmpdir(), `loom-ref-tg-${name}-${process.pid}.sh`);
      writeFileSync(path, `#!/bin/sh\necho ready\nread n\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const dies = await ReferenceTg.start(script('dies', 'echo "decode failed" >&2; exit 1'), model, { threads: 1, maxTokens: 8 });
    await expect(dies.run(4)).rejects.toThrow('loom-ref-tg exited: decode failed');
    const garbage = await ReferenceTg.start(script('garbage', 'echo soon; read n'), model, { threads: 1, maxTokens: 8 });
    await expect(garbage.run(4)).rejects.toThrow('loom-ref-tg printed no timing');
    await garbage.close();
  });

  it('exits when its input ends', async () => {
    const other = await ReferenceTg.start(referenceTool('loom-ref-tg'), model, { threads: 1, maxTokens: 4 });
    await other.close();
    await expect(other.run(1)).rejects.toThrow('loom-ref-tg has been closed');
  });
});
