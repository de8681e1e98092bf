// Measurements that live in the repository's bench/ folder (not shipped): bench/decoding-steps.ts
// and bench/perplexity.ts, compiled by `tsc -p tsconfig.bench.json` into .cache/bench-build/.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brownCorpusDirectory, brownTaggedToText } from '../train/corpus.js';
import { referenceToolPath } from './llama-bench.js';
import type { BenchExtras } from './run.js';
import { pairedRatio } from './results.js';

/** Where tsconfig.bench.json puts the compiled bench/ modules. */
export function benchBuildDir(repoRoot: string): string {
  return join(repoRoot, '.cache', 'bench-build');
}

interface DecodingStepsModule {
  benchDecodingSteps(options?: { vocabSizes?: readonly number[]; iterations?: number }): Promise<unknown[]>;
}

interface PerplexityModule {
  benchPerplexity(options: { model: string; textFile: string; contextSize?: number; batchSize?: number; threads?: number; runs?: number; referenceTool?: string }): Promise<{
    loomSeconds: number[]; referenceSeconds: number[]; loomEstimate: string; referenceEstimate: string | null;
  }>;
}

/** Plain text of a few Brown corpus files: enough tokens for four 256-token perplexity chunks. */
async function perplexityText(dir: string): Promise<string> {
  const corpus = brownCorpusDirectory();
  const texts: string[] = [];
  for (const name of ['ca01', 'ca02']) texts.push(brownTaggedToText(await readFile(join(corpus, name), 'utf8')));
  const path = join(dir, 'brown-ca01-ca02.txt');
  await writeFile(path, `${texts.join('\n\n')}\n`);
  return path;
}

/**
 * The extras found compiled under `.cache/bench-build/bench/` (none when llama-loom runs from an
 * installed package). Their copy of lib/ finds the addon through LLAMA_LOOM_ADDON, set here.
 */
export async function loadRepoExtras(repoRoot: string, quick: boolean): Promise<BenchExtras> {
  const dir = join(benchBuildDir(repoRoot), 'bench');
  const extras: BenchExtras = {};
  process.env.LLAMA_LOOM_ADDON ??= join(repoRoot, 'build', 'Release', 'llama_loom.node');
  const steps = join(dir, 'decoding-steps.js');
  if (existsSync(steps)) {
    const mod = (await import(pathToFileURL(steps).href)) as DecodingStepsModule;
    extras.decodingSteps = () => mod.benchDecodingSteps(quick ? { vocabSizes: [32000], iterations: 40 } : { iterations: 200 });
  }
  const ppl = join(dir, 'perplexity.js');
  if (existsSync(ppl) && !quick) {
    const mod = (await import(pathToFileURL(ppl).href)) as PerplexityModule;
    extras.perplexity = async (model, threads) => {
      const textFile = await perplexityText(await mkdtemp(join(tmpdir(), 'loom-ppl-')));
      const contextSize = 256;
      const referenceTool = referenceToolPath(repoRoot, 'llama-perplexity');
      const r = await mod.benchPerplexity({ model: model.path, textFile, contextSize, batchSize: 256, threads, runs: 3, referenceTool });
      const { loomSeconds, referenceSeconds, loomEstimate, referenceEstimate } = r;
      return { model: model.id, contextSize, ratio: pairedRatio(loomSeconds, referenceSeconds), loomSeconds, referenceSeconds, loomEstimate, referenceEstimate };
    };
  }
  return extras;
}
