/** Evaluation harness: datasets, strategy specs, the evaluation loop and its renderings. */
export { parseStrategy, STRATEGY_SPECS, type EvalStrategy } from './strategy.js';
export { parseJsonlDataset, loadJsonlDataset, DatasetError, type EvalItem } from './dataset.js';
export { evaluate, referenceStreams, type EvaluateOptions, type EvalProgress, type EvalReport, type StrategyReport, type ReferencePerplexity } from './harness.js';
export { formatEvalTable, evalReportToJson, EVAL_TABLE_COLUMNS } from './table.js';
