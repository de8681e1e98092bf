// F32, F16, Q8_0 and Q4_0 models load and decode in the default build (no AMX SIGILL), and their
// logits match llama.cpp's C API run on the same file.
import { existsSync, readFileSync } from 'node:fs';
import { loadModel, systemInfo, setLogger } from '../../lib/index.js';
import { fixturePath } from '../helpers/fixtures.js';
import { maxAbsDiff, referenceLogits } from '../helpers/reference.js';

describe.each(['tiny-f32', 'tiny-f16', 'tiny-q8_0', 'tiny-q4_0'] as const)('%s', (name) => {
  it('loads, decodes, and matches the reference logits', async () => {
    const path = await fixturePath(name);
    const model = await loadModel(path);
    try {
      expect(model.info.fileType.toLowerCase()).toContain(name.split('-')[1]!);
      const ids = model.tokenize('Hello world, this is a test.');
      const ctx = await model.createContext({ contextSize: 256, batchSize: 256, threads: 2 });
      await ctx.decode({ tokens: ids, logits: 'all' });
      const ref = referenceLogits(path, ids, model.vocabSize, 2, 256);
      for (let i = 0; i < ids.length; i++) expect(maxAbsDiff(ctx.logits(i), ref[i]!)).toBeLessThanOrEqual(1e-4);
      ctx.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe('systemInfo and logging', () => {
  it('reports the bundled llama.cpp commit, the backend and CPU features (AMX only where the CPU has it)', () => {
    const info = systemInfo();
    expect(info.llamaCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(['cpu', 'cuda', 'metal', 'vulkan']).toContain(info.backend);
    // -march=native compiles AMX in only where cpuid reports it (and the build allows it).
    const cpuHasAmx = existsSync('/proc/cpuinfo') && /\bamx_int8\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    if (!cpuHasAmx) expect(info.cpuFeatures.amxInt8).toBe(false);
    expect(typeof info.cpuFeatures.amxInt8).toBe('boolean');
    expect(info.defaultThreads).toBeGreaterThan(0);
    expect(info.devices.length).toBeGreaterThan(0);
  });

  it('routes llama.cpp log lines to a JS logger at the chosen level', async () => {
    const lines: string[] = [];
    setLogger((_level, text) => lines.push(text), 'info');
    try {
      const model = await loadModel(await fixturePath('tiny-f32'));
      model.dispose();
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.join('')).toMatch(/llama|model|gguf/i);
    } finally {
      setLogger(null);
    }
  });
});
