// Public API of the text metrics: sacrebleu-equal BLEU and chrF(++), rouge-score-equal ROUGE
// with bootstrap aggregation, and NLTK's Porter stemmer.

export { corpusBleu, sentenceBleu, computeBleu, formatBleu, BLEU_SMOOTHING, BLEU_SMOOTH_DEFAULTS } from './bleu.js';
export type { BleuOptions, BleuScore, BleuSmoothing, BleuStatistics } from './bleu.js';
export { bleuTokenize, BLEU_TOKENIZERS } from './bleu-tokenizers.js';
export type { BleuTokenizerName } from './bleu-tokenizers.js';
export { corpusChrf, sentenceChrf, formatChrf, chrfWords } from './chrf.js';
export type { ChrfOptions, ChrfScore } from './chrf.js';
export { rougeScores, isRougeType, fmeasure, summaryLevelLcs, DEFAULT_ROUGE_TYPES } from './rouge.js';
export type { RougeOptions, RougeScore, RougeType, DefaultRougeType } from './rouge.js';
export { rougeTokenize } from './rouge-tokenize.js';
export { lcsIndices, lcsLength, unionLcs } from './lcs.js';
export { BootstrapAggregator, percentileSorted, mulberry32 } from './bootstrap.js';
export type { AggregateScore, BootstrapOptions } from './bootstrap.js';
export { porterStem } from './porter.js';
export { SIGNATURE_VERSION, LLAMA_LOOM_VERSION } from './signature.js';
export { readSegments, splitSegments } from './segments.js';
export { perplexity, llamaNegativeLogLikelihood } from './perplexity.js';
export type { PerplexityOptions, PerplexityProgress, PerplexityResult } from './perplexity.js';
export { scoreContinuation, scoreContinuations, logSoftmaxAt } from './score.js';
export type { ContinuationScore, ScoreOptions } from './score.js';
