// The ratios the benchmark exists to report, each with its goal (see bench/README.md).
import type { JobResult, PairedSampling, PairedTg } from './job.js';
import { isFailed, pairedRatio, ratioEntry, type ModelResult, type RatioEntry } from './results.js';
import type { SyntheticPair } from './synthetic.js';
import { quantile, summarize } from './stats.js';

const tg = (runs: JobResult[], id: string) => runs.map((r) => r.strategies[id]?.tokensPerSecond ?? NaN);
const step = (runs: JobResult[], id: string) => runs.map((r) => r.strategies[id]?.stepMs ?? NaN);

/** Every paired round of a model's llama-loom runs (see {@link PairedTg}); empty without them. */
export function pairedRounds(m: ModelResult): PairedTg[] {
  return m.llamaLoom && !isFailed(m.llamaLoom) ? m.llamaLoom.runs.flatMap((r) => r.pairedTg ?? []) : [];
}

/** Every paired sampling round of a model's llama-loom runs (see {@link PairedSampling}). */
export function pairedSamplingRounds(m: ModelResult): PairedSampling[] {
  return m.llamaLoom && !isFailed(m.llamaLoom) ? m.llamaLoom.runs.flatMap((r) => r.pairedSampling ?? []) : [];
}

/** Per-round ratios `pick(round) ÷ base(round)`: what the paired goal rows summarise. */
export function roundRatios<R>(rounds: readonly R[], pick: (p: R) => number, base: (p: R) => number): number[] {
  return rounds.map((p) => pick(p) / base(p));
}

/** Ratios measured on one model, from runs that were interleaved repetition by repetition. */
export function modelRatios(m: ModelResult, large: boolean): RatioEntry[] {
  const out: RatioEntry[] = [];
  const loom = m.llamaLoom && !isFailed(m.llamaLoom) ? m.llamaLoom.runs : undefined;
  const lb = m.llamaBench && !isFailed(m.llamaBench) ? m.llamaBench.runs : undefined;
  const nlc = m.nodeLlamaCpp && !isFailed(m.nodeLlamaCpp) ? m.nodeLlamaCpp.runs : undefined;
  if (loom && lb) {
    const lbTg = lb.map((r) => r.genTokensPerSecond);
    const goal = { op: '>=' as const, target: large ? 0.97 : 0.85 };
    // The goals: llama-bench's tg loop (decodes only) and llama.cpp's greedy generation, both run by
    // loom-ref-tg inside the llama-loom job, alternating with greedy turn by turn (see PairedTg).
    // Without those rounds (reference tools not built), the per-repetition pairs of separate
    // llama-bench and llama-loom processes.
    const rounds = pairedRounds(m);
    const vsReference = (label: string, id: 'greedy' | 'greedy-inline', pick: (p: PairedTg) => number) => {
      if (rounds.length > 0) {
        out.push(ratioEntry(m.id, `llama-loom ${label} ÷ llama.cpp tg, paired turns`, summarize(roundRatios(rounds, pick, (p) => p.reference)), goal));
        out.push(ratioEntry(m.id, `llama-loom ${label} ÷ llama.cpp greedy, paired turns`, summarize(roundRatios(rounds, pick, (p) => p.referenceGreedy)), goal));
        out.push(ratioEntry(m.id, `llama-loom ${label} ÷ llama.cpp greedy in-process, paired turns`, summarize(roundRatios(rounds, pick, (p) => p.inProcessGreedy)), goal));
      }
      out.push(ratioEntry(m.id, `llama-loom ${label} ÷ llama-bench tg, separate turns`, pairedRatio(tg(loom, id), lbTg), rounds.length > 0 ? undefined : goal));
    };
    vsReference('greedy tg', 'greedy', (p) => p.greedy);
    // The same with `llama-loom generate`'s context setting: short decodes on the JS thread.
    vsReference('greedy tg, inline decodes', 'greedy-inline', (p) => p.greedyInline);
    if (rounds.length > 0) {
      // That the persistent reference runs at llama-bench's own speed: its turns ÷ llama-bench's.
      const refTg = loom.map((r) => quantile((r.pairedTg ?? []).map((p) => p.reference), 0.5));
      out.push(ratioEntry(m.id, 'loom-ref-tg tg ÷ llama-bench tg, separate turns', pairedRatio(refTg, lbTg)));
      // The same greedy loop in llama-loom's process and in its own: what the process alone moves.
      out.push(ratioEntry(m.id, 'llama.cpp greedy in-process ÷ in loom-ref-tg, paired turns', summarize(roundRatios(rounds, (p) => p.inProcessGreedy, (p) => p.referenceGreedy))));
    }
    out.push(ratioEntry(m.id, 'llama-loom decode-only tg ÷ llama-bench tg', pairedRatio(tg(loom, 'decode-only'), lbTg)));
    out.push(ratioEntry(m.id, 'llama-loom pp ÷ llama-bench pp', pairedRatio(loom.map((r) => r.promptTokensPerSecond), lb.map((r) => r.promptTokensPerSecond ?? NaN))));
  }
  if (loom && nlc) {
    out.push(ratioEntry(m.id, 'llama-loom greedy tg ÷ node-llama-cpp greedy tg', pairedRatio(tg(loom, 'greedy'), tg(nlc, 'greedy')), { op: '>=', target: 1 }));
    out.push(ratioEntry(m.id, 'llama-loom sampling tg ÷ node-llama-cpp sampling tg', pairedRatio(tg(loom, 'sampling'), tg(nlc, 'sampling')), { op: '>=', target: 1 }));
    out.push(ratioEntry(m.id, 'node-llama-cpp TTFT ÷ llama-loom TTFT', pairedRatio(nlc.map((r) => r.ttftMs), loom.map((r) => r.ttftMs))));
  }
  if (loom) {
    // The goal reads the rounds that alternate the two (see PairedSampling) where the runs have them.
    const sampled = pairedSamplingRounds(m);
    const samplingGoal = { op: '<=' as const, target: 1 };
    if (sampled.length > 0) {
      out.push(ratioEntry(m.id, 'TS sampling step ÷ native chain step, paired turns', summarize(roundRatios(sampled, (p) => p.sampling, (p) => p.nativeChain)), samplingGoal));
    }
    out.push(ratioEntry(m.id, 'TS sampling step ÷ native chain step', pairedRatio(step(loom, 'sampling'), step(loom, 'native-chain')), sampled.length > 0 ? undefined : samplingGoal));
    out.push(ratioEntry(m.id, 'beam-4 step ÷ greedy step', pairedRatio(step(loom, 'beam-4'), step(loom, 'greedy-short')), { op: '<=', target: 1.6 }));
    const bb = m.batchedBench && !isFailed(m.batchedBench) ? m.batchedBench.runs : undefined;
    if (bb && bb.length > 0) {
      // What the 4-sequence decode alone costs llama.cpp: the floor under the ratio above.
      out.push(ratioEntry(m.id, 'llama.cpp 4-sequence step ÷ 1-sequence step (batched-bench)', pairedRatio(bb.map((r) => r.fourSequenceStepMs), bb.map((r) => r.oneSequenceStepMs))));
    }
    out.push(ratioEntry(m.id, 'greedy tg ÷ ceiling (bandwidth ÷ model bytes)', summarize(tg(loom, 'greedy').map((v) => v / m.tgCeilingTokensPerSecond))));
  }
  return out;
}

/** TS ÷ native chain per-step cost on synthetic logits (same rows on both sides). */
export function syntheticRatios(pairs: readonly SyntheticPair[]): RatioEntry[] {
  return pairs.map((p) => {
    const goal = p.task.startsWith('top-p') ? { op: '<=' as const, target: 1 } : undefined;
    return ratioEntry('synthetic', `TS ${p.task} step ÷ native chain (V=${p.vocabSize})`, p.ratio, goal);
  });
}
