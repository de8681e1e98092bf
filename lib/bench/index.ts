/** The benchmark harness behind `llama-loom bench` (see bench/README.md). */
export { runBench, CONTENDERS, type BenchOptions, type BenchExtras, type Contender } from './run.js';
export { writeBenchFiles } from './files.js';
export { formatReport, formatRatios, formatModel } from './report.js';
export { ratioChartSvg } from './chart.js';
export { benchModelSpecs, ensureBenchModel, type BenchModel, type BenchModelSpec } from './models.js';
export { benchSyntheticPairs, syntheticLogits, type SyntheticPair } from './synthetic.js';
export { measureCopyBandwidth, machineInfo, type MachineInfo, type BandwidthResult } from './machine.js';
export { parseLlamaBenchJson, runLlamaBench, type LlamaBenchRun } from './llama-bench.js';
export type { BenchResults, ModelResult, RatioEntry, JobSummary, Goal, PerplexityFigures } from './results.js';
export type { JobSpec, JobResult, StrategyFigures } from './job.js';
export { summarize, quantile, ratio, type Summary } from './stats.js';
