// Deterministic generator of hostile GGUF files for the fuzz test and scripts/fuzz.mjs: mutant
// `i` of seed `s` is always the same file, whatever the count, so a failure is reproducible from
// its index alone.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../lib/gguf/random.js';
import { readGguf, type GgufFile } from '../../lib/gguf/reader.js';
import { writeGguf } from '../../lib/gguf/writer.js';
import { rawMutation } from './raw-mutations.js';
import { semanticMutation, type Editable } from './semantic-mutations.js';

/** A valid model file the mutants are derived from. */
export interface MutationSource {
  name: string;
  file: GgufFile;
  bytes: Buffer;
}

/** One mutated file on disk. */
export interface Mutant {
  index: number;
  source: string;
  /** Category of the (first) edit, e.g. `hparam-int`, `truncation`, `architecture`. */
  category: string;
  /** Every edit applied, in order. */
  description: string;
  path: string;
}

/** Reads a fixture (header and raw bytes) once, for {@link writeMutant}. */
export async function loadSource(name: string, path: string): Promise<MutationSource> {
  return { name, file: await readGguf(path), bytes: readFileSync(path) };
}

function editable(src: MutationSource): Editable {
  const metadata: Editable['metadata'] = new Map();
  for (const [k, e] of src.file.kv) metadata.set(k, e.arrayType ? { type: e.type, arrayType: e.arrayType, value: e.value } : { type: e.type, value: e.value });
  const tensors = src.file.tensors.map((t) => ({
    name: t.name, type: t.type, shape: [...t.shape], data: src.bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize) as ArrayBufferView,
  }));
  return { metadata, tensors };
}

/** Share of byte-level mutants; the rest are semantic (valid containers holding nonsense models). */
const RAW_SHARE = 0.3;
/** Share of semantic mutants that stack two or three edits. */
const COMBO_SHARE = 0.2;

/**
 * Writes mutant `index` of `seed` into `dir` and describes it. Semantic edits go through
 * lib/gguf/writer.ts; byte-level edits start from the source file's bytes.
 */
export async function writeMutant(sources: readonly MutationSource[], seed: number, index: number, dir: string): Promise<Mutant> {
  const rng = new Rng(seed, `mutant-${index}`);
  const src = sources[Math.floor(rng.uniform() * sources.length)]!;
  const path = join(dir, `mutant-${seed}-${index}.gguf`);
  if (rng.uniform() < RAW_SHARE) {
    const edit = rawMutation(rng, src.bytes, src.file);
    writeFileSync(path, edit.bytes);
    return { index, source: src.name, category: edit.category, description: edit.description, path };
  }
  for (;;) {
    const m = editable(src);
    const n = rng.uniform() < COMBO_SHARE ? 2 + Math.floor(rng.uniform() * 2) : 1;
    const edits = [];
    try {
      for (let i = 0; i < n; i++) {
        const e = semanticMutation(rng, m);
        e.apply(m);
        edits.push(e);
      }
      await writeGguf(path, m);
    } catch (err) {
      // Some stacked edits do not compose, and the writer refuses some results (a tensor shape
      // its type cannot hold): draw again.
      if (err instanceof TypeError || err instanceof RangeError) continue;
      throw err;
    }
    return { index, source: src.name, category: edits[0]!.category, description: edits.map((e) => e.description).join('; '), path };
  }
}
