// Writes the benchmark's outputs: results.json, chart.svg (and returns the text report).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ratioChartSvg } from './chart.js';
import { formatReport } from './report.js';
import type { BenchResults } from './results.js';

/** Writes `results.json` and `chart.svg` into `outDir`; returns their paths. */
export async function writeBenchFiles(results: BenchResults, outDir: string): Promise<{ json: string; svg: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'results.json');
  const svg = join(outDir, 'chart.svg');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  const title = `llama-loom ratios (${results.mode}, ${results.machine.cpuModel}, ${results.threads} threads, ${results.startedAt.slice(0, 10)})`;
  await writeFile(svg, ratioChartSvg(results.ratios, title));
  return { json, svg };
}

export { formatReport };
