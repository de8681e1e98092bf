// Renderings of an evaluation report: a fixed-width text table for terminals and a plain JSON
// object for scripts.

import type { EvalReport } from './harness.js';

/** Column headers of {@link formatEvalTable}, in order. */
export const EVAL_TABLE_COLUMNS = ['strategy', 'BLEU', 'chrF', 'ROUGE-1', 'ROUGE-2', 'ROUGE-L', 'len', 'tok/s'] as const;

/**
 * The report as a fixed-width table: one row per strategy (scores with two decimals, mean length
 * with one, speed with one), then a line with the references' perplexity when it was measured.
 */
export function formatEvalTable(report: EvalReport): string {
  const rows = report.strategies.map((s) => [
    s.label, s.bleu.toFixed(2), s.chrf.toFixed(2), s.rouge1.toFixed(2), s.rouge2.toFixed(2), s.rougeL.toFixed(2),
    s.meanLength.toFixed(1), s.tokensPerSecond.toFixed(1),
  ]);
  const head = [...EVAL_TABLE_COLUMNS];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  // Text left-aligned, numbers right-aligned.
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  out.push('');
  out.push(`${report.items} items, at most ${report.maxNewTokens} new tokens`);
  const ppl = report.referencePerplexity;
  if (ppl) out.push(`reference perplexity given the prompts: ${ppl.ppl.toFixed(4)} (${ppl.tokens} tokens)`);
  return out.join('\n');
}

/** The report as plain JSON-ready data (typed arrays and BLEU details flattened). */
export function evalReportToJson(report: EvalReport): Record<string, unknown> {
  return {
    items: report.items,
    maxNewTokens: report.maxNewTokens,
    strategies: report.strategies.map((s) => ({
      label: s.label, config: s.config, bleu: s.bleu, chrf: s.chrf, rouge1: s.rouge1, rouge2: s.rouge2, rougeL: s.rougeL,
      meanLength: s.meanLength, tokensPerSecond: s.tokensPerSecond, bleuSignature: s.bleuDetail.signature,
      outputs: s.outputs, lengths: s.lengths,
    })),
    referencePerplexity: report.referencePerplexity,
  };
}
