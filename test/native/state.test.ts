import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type Model } from '../../lib/index.js';
import { fixturePath } from '../helpers/fixtures.js';

let model: Model;
const dir = mkdtempSync(join(tmpdir(), 'loom-state-'));
beforeAll(async () => { model = await loadModel(await fixturePath('tiny-f32')); });
afterAll(() => { model?.dispose(); rmSync(dir, { recursive: true, force: true }); });

describe('context state save/load', () => {
  it('restores the KV cache so decoding continues exactly as before', async () => {
    const ids = model.tokenize('The quick brown fox');
    const a = await model.createContext({ contextSize: 128, threads: 2 });
    const b = await model.createContext({ contextSize: 128, threads: 2 });
    try {
      await a.decode({ tokens: ids });
      const file = join(dir, 'prompt.state');
      await a.saveState(file, ids);
      await a.decode({ tokens: [5], positions: [ids.length] });
      const expected = Array.from(a.logits(-1));

      const restored = await b.loadState(file);
      expect(Array.from(restored)).toEqual(Array.from(ids));
      expect(b.sequencePositions(0)).toEqual([0, ids.length - 1]);
      await b.decode({ tokens: [5], positions: [ids.length] });
      expect(Array.from(b.logits(-1))).toEqual(expected);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('a corrupt state file is a STATE_FAILED error and the context stays usable', async () => {
    const ctx = await model.createContext({ contextSize: 128, threads: 2 });
    try {
      const bad = join(dir, 'bad.state');
      writeFileSync(bad, Buffer.from('not a state file at all'));
      await expect(ctx.loadState(bad)).rejects.toMatchObject({ code: 'STATE_FAILED' });
      await expect(ctx.loadState(join(dir, 'missing.state'))).rejects.toMatchObject({ code: 'STATE_FAILED' });
      await ctx.decode({ tokens: model.tokenize('ok') });
      expect(ctx.logits(-1).length).toBe(model.vocabSize);
    } finally {
      ctx.dispose();
    }
  });
});
