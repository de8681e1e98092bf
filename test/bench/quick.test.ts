// The benchmark harness end to end in quick mode (structure and zero-copy only: never timings),
// plus its pure helpers checked against hand-computed values and llama-bench's documented JSON.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from '../../lib/cli/commands/bench.js';
import { ratioChartSvg } from '../../lib/bench/chart.js';
import { writeBenchFiles } from '../../lib/bench/files.js';
import { parseBatchedBenchJsonl } from '../../lib/bench/batched-bench.js';
import { parseLlamaBenchJson } from '../../lib/bench/llama-bench.js';
import { formatReport } from '../../lib/bench/report.js';
import { isFailed, pairedRatio, ratioEntry } from '../../lib/bench/results.js';
import { runBench } from '../../lib/bench/run.js';
import { quantile, summarize } from '../../lib/bench/stats.js';
import { UsageError } from '../../lib/cli/command.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('stats', () => {
  it('median, min, max and quantiles by linear interpolation (numpy default)', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10, n: 4 });
    // numpy.quantile([1, 2, 3, 4, 5], 0.9) = 4.6
    expect(quantile([5, 1, 4, 2, 3], 0.9)).toBeCloseTo(4.6, 12);
    expect(summarize([NaN, Infinity]).n).toBe(0);
  });

  it('pairs ratios repetition by repetition and checks goals on the median', () => {
    const r = pairedRatio([10, 20, 30], [5, 10, 60]);
    expect(r).toEqual({ median: 2, min: 0.5, max: 2, n: 3 });
    expect(ratioEntry('m', 'x', r, { op: '>=', target: 1.5 }).met).toBe(true);
    expect(ratioEntry('m', 'x', r, { op: '<=', target: 1.5 }).met).toBe(false);
    expect(ratioEntry('m', 'x', summarize([])).met).toBeUndefined();
  });
});

describe('llama-bench JSON', () => {
  it('reads the pp and tg records of `llama-bench -o json`', () => {
    // Field names as in llama.cpp tools/llama-bench (test::get_fields): n_prompt, n_gen, avg_ts.
    const text = 'some log line\n[\n {"build_commit": "abc1234", "n_prompt": 512, "n_gen": 0, "avg_ts": 88.7, "samples_ts": [88.7]},\n' +
      ' {"build_commit": "abc1234", "n_prompt": 0, "n_gen": 128, "avg_ts": 30.5, "samples_ts": [30.5]}\n]\n';
    expect(parseLlamaBenchJson(text)).toEqual({ pp: 88.7, tg: 30.5, commit: 'abc1234' });
    expect(() => parseLlamaBenchJson('no json here')).toThrow(/no JSON/);
  });
});

describe('llama-batched-bench JSONL', () => {
  it('reads seconds per generation step by sequence count', () => {
    // Field names as llama.cpp tools/batched-bench prints them with --output-format jsonl.
    const line = (pl: number, tTg: number) => `{"n_kv_max": 512, "pp": 1, "tg": 16, "pl": ${pl}, "n_kv": 17, "t_pp": 0.001, "speed_pp": 900, "t_tg": ${tTg}, "speed_tg": 1500, "t": 0.01, "speed": 1400}`;
    const steps = parseBatchedBenchJsonl(`main: n_kv_max = 512\n${line(1, 0.016)}\n${line(4, 0.032)}\n`);
    expect(steps.get(1)).toBeCloseTo(0.001, 12);
    expect(steps.get(4)).toBeCloseTo(0.002, 12);
    expect(parseBatchedBenchJsonl('no records').size).toBe(0);
  });
});

describe('bench command line', () => {
  it('maps options and rejects mistakes with a UsageError', () => {
    const p = parseBenchArgs(['--quick', '-t', '3', '--contenders', 'llama-loom,llama-bench', '--in-process']);
    expect(p).toEqual({ help: false, overhead: false, json: false, options: { quick: true, threads: 3, contenders: ['llama-loom', 'llama-bench'], isolate: false } });
    expect(() => parseBenchArgs(['--contenders', 'ollama'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['-t', '0'])).toThrow(/--threads must be a positive integer/);
    expect(() => parseBenchArgs(['--omp-wait-policy', 'busy'])).toThrow(UsageError);
  });

  it('maps --overhead and keeps the options of the two modes apart', () => {
    expect(parseBenchArgs(['--overhead', '-m', 'x.gguf', '-t', '1', '--tokens', '64', '--seconds', '5', '--beams', '0', '--json'])).toEqual({
      help: false, overhead: true, json: true, overheadOptions: { model: 'x.gguf', threads: 1, tokens: 64, budgetMs: 5000, beams: 0 },
    });
    expect(parseBenchArgs(['--overhead'])).toEqual({ help: false, overhead: true, json: false, overheadOptions: {} });
    expect(() => parseBenchArgs(['--overhead', '--quick'])).toThrow(/--overhead does not take --quick/);
    expect(() => parseBenchArgs(['--tokens', '64'])).toThrow(/--tokens goes with --overhead only/);
    expect(() => parseBenchArgs(['--overhead', '--tokens', '1'])).toThrow(/--tokens must be at least 2/);
    expect(() => parseBenchArgs(['--overhead', '--beams', '1'])).toThrow(/--beams must be 0 \(skip\) or 2–64; received "1"/);
    expect(() => parseBenchArgs(['--overhead', '--seconds', '-3'])).toThrow(UsageError);
  });
});

describe('quick benchmark', () => {
  const out = mkdtempSync(join(tmpdir(), 'loom-bench-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('measures llama-loom (and llama-bench when built) with zero logits copies and writes the files', async () => {
    const hasLlamaBench = existsSync(join(ROOT, 'build', 'bin', 'llama-bench'));
    const results = await runBench({
      repoRoot: ROOT, quick: true, isolate: false,
      contenders: hasLlamaBench ? ['llama-bench', 'llama-loom'] : ['llama-loom'],
    });
    expect(results.mode).toBe('quick');
    expect(results.models.map((m) => m.id)).toEqual(['default']);
    const m = results.models[0]!;
    expect(m.tgCeilingTokensPerSecond).toBeGreaterThan(0);
    if (!m.llamaLoom || isFailed(m.llamaLoom)) throw new Error(`llama-loom failed: ${JSON.stringify(m.llamaLoom)}`);
    const run = m.llamaLoom.runs[0]!;
    expect(Object.keys(run.strategies).sort()).toEqual(['beam-4', 'decode-only', 'greedy', 'greedy-inline', 'greedy-short', 'native-chain', 'sampling']);
    expect(run.strategies['decode-only']!.tokens).toBe(m.genTokens);
    expect(run.strategies['native-chain']!.tokens).toBe(m.strategyTokens);
    expect(run.strategies['greedy-inline']!.tokens).toBe(m.genTokens);
    expect(run.loopDelayInline?.p99Ms).toBeGreaterThanOrEqual(0);
    // TS sampling and the native chain alternated turn by turn: at least 4 rounds, every step
    // measured, and the goal is read from those rounds, not from the separate turns.
    expect(run.pairedSampling!.length).toBeGreaterThanOrEqual(4);
    for (const p of run.pairedSampling!) for (const v of [p.sampling, p.nativeChain]) expect(v).toBeGreaterThan(0);
    const samplingRows = results.ratios.filter((r) => r.name.startsWith('TS sampling step ÷ native chain step'));
    expect(samplingRows.map((r) => [r.name, r.goal?.target])).toEqual([
      ['TS sampling step ÷ native chain step, paired turns', 1], ['TS sampling step ÷ native chain step', undefined],
    ]);
    expect(samplingRows[0]!.value.n).toBe(run.pairedSampling!.length);
    // Zero-copy logits: nothing was copied into JS memory while generating.
    expect(run.logitsBytesPerToken).toBe(0);
    expect(m.llamaLoom.summary.logitsBytesPerToken.median).toBe(0);
    if (hasLlamaBench) {
      if (!m.llamaBench || isFailed(m.llamaBench)) throw new Error(`llama-bench failed: ${JSON.stringify(m.llamaBench)}`);
      expect(m.llamaBench.runs).toHaveLength(1);
      // llama-bench's tg test (loom-ref-tg) also ran inside the llama-loom job, alternating with
      // its greedy runs: at least 4 rounds, every figure measured.
      expect(run.pairedTg!.length).toBeGreaterThanOrEqual(4);
      for (const p of run.pairedTg!) for (const v of [p.reference, p.referenceGreedy, p.inProcessGreedy, p.greedy, p.greedyInline]) expect(v).toBeGreaterThan(0);
      const paired = results.ratios.filter((r) => r.name.endsWith(', paired turns') && r.name.startsWith('llama-loom greedy'));
      expect(paired.map((r) => r.name)).toEqual([
        'llama-loom greedy tg ÷ llama.cpp tg, paired turns', 'llama-loom greedy tg ÷ llama.cpp greedy, paired turns',
        'llama-loom greedy tg ÷ llama.cpp greedy in-process, paired turns',
        'llama-loom greedy tg, inline decodes ÷ llama.cpp tg, paired turns', 'llama-loom greedy tg, inline decodes ÷ llama.cpp greedy, paired turns',
        'llama-loom greedy tg, inline decodes ÷ llama.cpp greedy in-process, paired turns',
      ]);
      for (const r of paired) expect(r.value.n).toBe(run.pairedTg!.length);
      expect(results.ratios.map((r) => r.name)).toContain('loom-ref-tg tg ÷ llama-bench tg, separate turns');
      expect(results.ratios.find((r) => r.name === 'llama.cpp greedy in-process ÷ in loom-ref-tg, paired turns')?.value.n).toBe(run.pairedTg!.length);
      if (existsSync(join(ROOT, 'build', 'bin', 'llama-batched-bench'))) {
        if (!m.batchedBench || isFailed(m.batchedBench)) throw new Error(`llama-batched-bench failed: ${JSON.stringify(m.batchedBench)}`);
        expect(m.batchedBench.runs).toHaveLength(1);
        expect(m.batchedBench.runs[0]!.fourSequenceStepMs).toBeGreaterThan(0);
        expect(results.ratios.map((r) => r.name)).toContain('llama.cpp 4-sequence step ÷ 1-sequence step (batched-bench)');
      }
    }
    const names = results.ratios.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['beam-4 step ÷ greedy step', 'TS sampling step ÷ native chain step']));
    expect(results.synthetic.map((p) => [p.vocabSize, p.task])).toEqual([[32000, 'top-p 0.9 + temperature 0.8'], [32000, 'greedy argmax']]);
    for (const r of results.ratios) if (r.goal && r.value.n > 0) expect(typeof r.met).toBe('boolean');

    const files = await writeBenchFiles(results, out);
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(results)));
    const svg = readFileSync(files.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const shown = results.ratios.filter((r) => r.value.n > 0 && Number.isFinite(r.value.median)).length;
    expect(svg.match(/<rect x=/g)).toHaveLength(shown);
    expect(formatReport(results)).toContain('Ratios (per-repetition pairs):');
    // A whole quick run (every contender, synthetic rows, decoding steps): 80–110 s in CI beside
    // the other test files, so it gets more than the suite's 120 s default.
  }, 300_000);
});

describe('chart', () => {
  it('escapes labels and draws one bar per finite ratio', () => {
    const svg = ratioChartSvg([
      ratioEntry('a<b', 'x & y', summarize([1.2]), { op: '>=', target: 1 }),
      ratioEntry('m', 'missing', summarize([])),
    ], 't');
    expect(svg).toContain('a&lt;b · x &amp; y');
    expect(svg.match(/<rect x=/g)).toHaveLength(1);
    expect(svg).toContain('#2e9d57'); // met → green
  });
});
