// The benchmark's results as fixed-width text tables for the terminal.
import type { PairedTg } from './job.js';
import { pairedRounds, pairedSamplingRounds, roundRatios } from './ratios.js';
import { isFailed, type BenchResults, type JobSummary, type ModelResult, type RatioEntry } from './results.js';
import { quantile, summarize, type Summary } from './stats.js';

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `median [min–max]` with `digits` decimals; `–` when there is no sample. */
export function fmt(s: Summary | undefined, digits = 1, scale = 1): string {
  if (!s || s.n === 0) return '–';
  const f = (v: number) => (v * scale).toFixed(digits);
  return s.n === 1 ? f(s.median) : `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
}

const MB = 1 / (1024 * 1024);

function jobRows(name: string, s: JobSummary, strategies: readonly string[]): string[][] {
  return strategies.filter((id) => s.strategies[id]).map((id, i) => [
    `${name} ${id}`,
    i === 0 ? fmt(s.promptTokensPerSecond) : '',
    fmt(s.strategies[id]!.tokensPerSecond),
    fmt(s.strategies[id]!.stepMs, 2),
    i === 0 ? fmt(s.ttftMs, 0) : '',
    i === 0 ? fmt(s.loadMs, 0) : '',
    i === 0 ? fmt(s.peakRssBytes, 0, MB) : '',
  ]);
}

/** The per-model table: one row per contender and strategy. */
export function formatModel(m: ModelResult): string {
  const head = ['contender', 'pp t/s', 'tg t/s', 'step ms', 'TTFT ms', 'load ms', 'peak RSS MiB'];
  const rows: string[][] = [];
  const notes: string[] = [];
  if (m.llamaBench) {
    if (isFailed(m.llamaBench)) notes.push(`llama-bench: ${m.llamaBench.error}`);
    else rows.push(['llama-bench', fmt(m.llamaBench.pp), fmt(m.llamaBench.tg), '', '', '', fmt(m.llamaBench.peakRssBytes, 0, MB)]);
  }
  if (m.batchedBench) {
    if (isFailed(m.batchedBench)) notes.push(`llama-batched-bench: ${m.batchedBench.error}`);
    else {
      rows.push(['llama-batched-bench 1 seq', '', '', fmt(m.batchedBench.oneSequenceStepMs, 2), '', '', '']);
      rows.push(['llama-batched-bench 4 seq', '', '', fmt(m.batchedBench.fourSequenceStepMs, 2), '', '', '']);
    }
  }
  if (m.nodeLlamaCpp) {
    if (isFailed(m.nodeLlamaCpp)) notes.push(`node-llama-cpp: ${m.nodeLlamaCpp.error}`);
    else rows.push(...jobRows('node-llama-cpp', m.nodeLlamaCpp.summary, ['greedy', 'sampling']));
  }
  if (m.llamaLoom) {
    if (isFailed(m.llamaLoom)) notes.push(`llama-loom: ${m.llamaLoom.error}`);
    else rows.push(...jobRows('llama-loom', m.llamaLoom.summary, ['greedy', 'greedy-inline', 'greedy-short', 'sampling', 'native-chain', 'beam-4', 'decode-only']));
  }
  const extra: string[] = [`tg ceiling (copy bandwidth ÷ ${(m.fileBytes / 1e6).toFixed(1)} MB): ${m.tgCeilingTokensPerSecond.toFixed(1)} t/s`];
  for (const [name, r] of [['node-llama-cpp', m.nodeLlamaCpp], ['llama-loom', m.llamaLoom]] as const) {
    if (r && !isFailed(r)) {
      extra.push(`${name}: event-loop delay while generating p50 ${fmt(r.summary.loopDelayP50Ms, 2)} ms, p99 ${fmt(r.summary.loopDelayP99Ms, 2)} ms` +
        (name === 'llama-loom'
          ? ` (inline decodes: p99 ${fmt(r.summary.loopDelayInlineP99Ms, 2)} ms); logits bytes copied per token ${fmt(r.summary.logitsBytesPerToken, 0)}`
          : `; runtime start-up ${fmt(r.summary.runtimeInitMs, 0)} ms`));
    }
  }
  const rounds = pairedRounds(m);
  if (rounds.length > 0) {
    const med = (f: (p: PairedTg) => number) => fmt(summarize(rounds.map(f)), 1);
    const iqr = (pick: (p: PairedTg) => number, base: (p: PairedTg) => number) => interquartile(roundRatios(rounds, pick, base));
    extra.push(`paired turns (${rounds.length} rounds), t/s: llama.cpp tg ${med((p) => p.reference)}, llama.cpp greedy ${med((p) => p.referenceGreedy)}, ` +
      `the same in-process ${med((p) => p.inProcessGreedy)}, greedy ${med((p) => p.greedy)}, inline ${med((p) => p.greedyInline)}; ` +
      `per-round ratio, interquartile: greedy ÷ tg ${iqr((p) => p.greedy, (p) => p.reference)}, greedy ÷ llama.cpp greedy ${iqr((p) => p.greedy, (p) => p.referenceGreedy)}, ` +
      `inline ÷ tg ${iqr((p) => p.greedyInline, (p) => p.reference)}, inline ÷ in-process greedy ${iqr((p) => p.greedyInline, (p) => p.inProcessGreedy)}`);
  }
  const sampled = pairedSamplingRounds(m);
  if (sampled.length > 0) {
    extra.push(`paired sampling turns (${sampled.length} rounds), step ms: TS sampling ${fmt(summarize(sampled.map((p) => p.sampling)), 2)}, ` +
      `native chain ${fmt(summarize(sampled.map((p) => p.nativeChain)), 2)}; per-round ratio, interquartile: ${interquartile(roundRatios(sampled, (p) => p.sampling, (p) => p.nativeChain))}`);
  }
  return [`${m.id}: ${m.description} — pp ${m.promptTokens}, tg ${m.genTokens} (other strategies ${m.strategyTokens})`, table(head, rows), ...extra, ...notes].join('\n');
}

/** "q1–q3" of the finite per-round ratios (text, three decimals). */
export function interquartile(ratios: readonly number[]): string {
  const v = ratios.filter(Number.isFinite);
  return `${quantile(v, 0.25).toFixed(3)}–${quantile(v, 0.75).toFixed(3)}`;
}

/** The ratio table: median [min–max] of per-repetition ratios, goal and verdict. */
export function formatRatios(ratios: readonly RatioEntry[]): string {
  const rows = ratios.map((r) => [
    r.model,
    r.name,
    fmt(r.value, 2),
    r.goal ? `${r.goal.op === '>=' ? '≥' : '≤'} ${r.goal.target}` : '',
    r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
  ]);
  return table(['model', 'ratio', 'median [min–max]', 'goal', ''], rows);
}

/** The whole report. */
export function formatReport(r: BenchResults): string {
  const m = r.machine;
  const out = [
    `llama-loom benchmark (${r.mode}), ${r.startedAt}, ${r.durationSeconds.toFixed(0)} s`,
    `machine: ${m.cpuModel}, ${m.logicalCores} logical cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.platform}-${m.arch}, Node ${m.node}, llama.cpp ${m.llamaCommit} (${m.backend})`,
    `load average at start ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' ')}, at end ${(m.loadAverageEnd ?? []).map((x) => x.toFixed(2)).join(' ')}`,
    `single-thread copy bandwidth ${fmt(m.copyBandwidth.bytesPerSecond, 1, 1e-9)} GB/s; threads ${r.threads}; ${r.repetitions} repetition(s) interleaved; ` +
      `${r.isolated ? 'one process per run' : 'runs in-process'}${r.ompWaitPolicy ? `; OMP_WAIT_POLICY=${r.ompWaitPolicy}` : ''}`,
    '',
    ...r.models.flatMap((mod) => [formatModel(mod), '']),
    'Synthetic logits, µs per token (same rows for both):',
    table(['vocab', 'task', 'TypeScript', 'native chain', 'TS ÷ native'], r.synthetic.map((p) => [String(p.vocabSize), p.task, fmt(p.tsUs), fmt(p.nativeUs), fmt(p.ratio, 2)])),
    '',
  ];
  const steps = r.decodingSteps;
  if (steps && !isFailed(steps)) {
    const rows = (steps as { vocabSize?: number; strategy?: string; medianUs?: number; p90Us?: number }[]).map((x) => [
      String(x.vocabSize ?? ''), String(x.strategy ?? ''), (x.medianUs ?? NaN).toFixed(1), (x.p90Us ?? NaN).toFixed(1),
    ]);
    out.push('TypeScript decoding steps on synthetic logits (bench/decoding-steps.ts), µs per step:', table(['vocab', 'strategy', 'median', 'p90'], rows), '');
  } else if (steps) out.push(`decoding steps: ${steps.error}`, '');
  if (r.perplexity) {
    const p = r.perplexity;
    out.push(isFailed(p) ? `perplexity: ${p.error}` : `perplexity (${p.model}, ctx ${p.contextSize}, end to end incl. load): llama-loom ${fmt(summarize(p.loomSeconds), 2)} s, ${p.loomEstimate}; ` +
      `llama-perplexity ${fmt(summarize(p.referenceSeconds), 2)} s, ${p.referenceEstimate ?? '(estimate line lost)'}`, '');
  }
  out.push('Ratios (per-repetition pairs):', formatRatios(r.ratios));
  return out.join('\n');
}
