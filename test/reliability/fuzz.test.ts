// Hostile model files never take the process down: 600 mutants of the tiny fixtures (container
// damage and, mostly, well-formed files holding nonsense models) are each loaded in a child
// process — load, then a context and one decode when the load succeeds. Every outcome must be a
// clean load or a typed LoomError; a crash or a hang fails the test and names the mutant.
// scripts/fuzz.mjs runs the same generator for thousands of files.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoomErrorCode } from '../../lib/errors.js';
import type { GgufTypedInput } from '../../lib/gguf/metadata-encode.js';
import { readGguf } from '../../lib/gguf/reader.js';
import { writeGguf } from '../../lib/gguf/writer.js';
import { fixturePath, type FixtureName } from '../helpers/fixtures.js';
import { ensureDist } from './dist.js';
import { REPO_ROOT, runFiles, runFuzz, summarize, type FuzzResult } from './fuzz-runner.js';
import { loadSource, writeMutant } from './mutations.js';

const FIXTURES: FixtureName[] = ['tiny-f32', 'tiny-f16', 'tiny-q8_0', 'tiny-q4_0'];
const COUNT = 600;
const SEED = 20_251;
/** LoomError codes a refused file may carry. */
const REFUSAL_CODES: LoomErrorCode[] = ['INVALID_GGUF', 'MODEL_LOAD_FAILED', 'CONTEXT_CREATE_FAILED', 'DECODE_FAILED', 'NOT_FOUND'];

let scratch: string;
let sources: Array<{ name: string; path: string }>;
beforeAll(async () => {
  ensureDist(REPO_ROOT);
  sources = [];
  for (const name of FIXTURES) sources.push({ name, path: await fixturePath(name) });
  scratch = mkdtempSync(join(tmpdir(), 'loom-fuzz-test-'));
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** tiny-f32 with one edit, written through lib/gguf/writer.ts. */
async function variant(name: string, edit: (metadata: Map<string, GgufTypedInput>, tensors: Array<{ name: string; type: string; shape: number[]; data: ArrayBufferView }>) => void): Promise<string> {
  const src = await fixturePath('tiny-f32');
  const f = await readGguf(src);
  const bytes = readFileSync(src);
  const metadata = new Map<string, GgufTypedInput>([...f.kv].map(([k, e]) => [k, { type: e.type, arrayType: e.arrayType, value: e.value }]));
  const tensors = f.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, data: bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize) as ArrayBufferView }));
  edit(metadata, tensors);
  const path = join(scratch, `${name}.gguf`);
  await writeGguf(path, { metadata, tensors });
  return path;
}

test('the harness sees a crash, blames the right file and carries on with the next one', async () => {
  const good = await fixturePath('tiny-q8_0');
  // A bf16 norm weight: the CPU backend's element-wise multiply GGML_ABORTs at the first decode.
  const crasher = await variant('bf16-norm', (_m, tensors) => {
    const t = tensors.find((x) => x.name === 'output_norm.weight')!;
    t.type = 'bf16';
    t.data = new Uint16Array(t.shape[0]!).fill(0x3f80); // 1.0 in bf16
  });
  const unguarded = await runFiles([good, crasher, good], { validate: false });
  expect(unguarded.map((o) => o.outcome)).toEqual(['loaded', 'crash', 'loaded']);
  expect(unguarded[1]).toMatchObject({ signal: 'SIGABRT' });
  const guarded = await runFiles([good, crasher, good]);
  expect(guarded.map((o) => o.outcome)).toEqual(['loaded', 'refused', 'loaded']);
  expect(guarded[1]).toMatchObject({ code: 'INVALID_GGUF', stage: 'load' });
});

test('mutants are deterministic: the same seed and index give the same bytes', async () => {
  const srcs = [await loadSource('tiny-q4_0', await fixturePath('tiny-q4_0'))];
  for (const index of [0, 17, 333]) {
    const a = await writeMutant(srcs, SEED, index, mkdtempSync(join(scratch, 'a-')));
    const b = await writeMutant(srcs, SEED, index, mkdtempSync(join(scratch, 'b-')));
    expect(b.description).toBe(a.description);
    expect(readFileSync(b.path).equals(readFileSync(a.path))).toBe(true);
  }
});

test(`${COUNT} mutated models: no crash, no hang, every outcome a clean load or a typed LoomError`, async () => {
  const results: FuzzResult[] = await runFuzz({ count: COUNT, seed: SEED, sources, batchSize: COUNT, timeoutMs: 30_000 });
  const bad = results.filter((r) => r.outcome.outcome !== 'loaded' && r.outcome.outcome !== 'refused');
  const describe = (r: FuzzResult) => `#${r.mutant.index} [${r.mutant.category}] ${r.mutant.description}: ${JSON.stringify(r.outcome).slice(0, 400)}`;
  expect(bad.map(describe)).toEqual([]);
  for (const r of results) {
    if (r.outcome.outcome === 'refused') expect(REFUSAL_CODES).toContain(r.outcome.code);
  }
  const s = summarize(results);
  console.log(`fuzz seed ${SEED}: ${JSON.stringify(s.outcomes)} codes ${JSON.stringify(s.codes)}`);
  // The generator reaches every category, and the semantic ones dominate as intended.
  const categories = Object.keys(s.categories);
  for (const c of ['truncation', 'bit-flip', 'huge-count', 'tensor-header', 'metadata-type', 'missing', 'hparam-int', 'hparam-float',
    'head-counts', 'per-layer-array', 'special-token', 'tokenizer-name', 'architecture', 'token-arrays', 'tensor-shape', 'tensor-type']) {
    expect(categories).toContain(c);
  }
  expect(s.outcomes.loaded).toBeGreaterThan(0);
}, 240_000);
