// The bleu / chrf / rouge commands, run in-process with in-memory streams and temp files.
// Expected numbers: sacrebleu 2.6.0 (`sacrebleu -r ... -f text`, `sentence_bleu`) on its README
// example, and rouge-score's ROUGE-1.5.5 test values (google-research rouge_scorer_test.py).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { UsageError, type CliIo } from '../../lib/cli/command.js';
import { bleuCommand } from '../../lib/cli/commands/bleu.js';
import { chrfCommand } from '../../lib/cli/commands/chrf.js';
import { rougeCommand } from '../../lib/cli/commands/rouge.js';

function memoryIo(stdinText = '') {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const io: CliIo = { stdout, stderr, stdin: Readable.from([Buffer.from(stdinText)]), isTTY: false };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const dir = mkdtempSync(join(tmpdir(), 'loom-metrics-cli-'));
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => l + '\n').join(''));
  return path;
}

const hypLines = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const hyp = file('hyp.txt', hypLines);
const ref1 = file('ref1.txt', ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.']);
const ref2 = file('ref2.txt', ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.']);
const short = file('short.txt', ['only one line']);

describe('llama-loom bleu', () => {
  it('prints sacrebleu\'s text line and the signature', async () => {
    const m = memoryIo();
    expect(await bleuCommand.run(['-r', ref1, '-r', ref2, hyp], m.io)).toBe(0);
    expect(m.stdout()).toBe(
      'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n' +
      'nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:llama-loom-0.1.0\n',
    );
  });

  it('reads the hypotheses from stdin and prints JSON', async () => {
    const m = memoryIo(hypLines.join('\n') + '\n');
    expect(await bleuCommand.run(['--ref', ref1, '-r', ref2, '--json'], m.io)).toBe(0);
    const json = JSON.parse(m.stdout()) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['bp', 'precisions', 'refLen', 'score', 'signature', 'sysLen']);
    expect(json.score as number).toBeCloseTo(48.530827, 6);
    expect([json.sysLen, json.refLen]).toEqual([17, 18]);
  });

  it('passes tokenizer, smoothing and case options through', async () => {
    const m = memoryIo();
    expect(await bleuCommand.run(['-r', ref1, '-r', ref2, hyp, '--tokenize', 'intl', '--json'], m.io)).toBe(0);
    expect((JSON.parse(m.stdout()) as { score: number }).score).toBeCloseTo(43.91623493, 6);
    const k = memoryIo();
    expect(await bleuCommand.run(['-r', ref1, '-r', ref2, hyp, '--smooth', 'add-k', '--lowercase', '--json'], k.io)).toBe(0);
    const parsed = JSON.parse(k.stdout()) as { score: number; signature: string };
    expect(parsed.score).toBeCloseTo(52.70109002482467, 6);
    expect(parsed.signature).toContain('case:lc|eff:no|tok:13a|smooth:add-k[1.00]');
  });

  it('--sentence scores each line (sacrebleu sentence_bleu)', async () => {
    const m = memoryIo();
    expect(await bleuCommand.run(['-r', ref1, '-r', ref2, hyp, '--sentence'], m.io)).toBe(0);
    expect(m.stdout().split('\n').slice(0, 3)).toEqual([
      'BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)',
      'BLEU = 14.79 50.0/16.7/12.5/12.5 (BP = 0.779 ratio = 0.800 hyp_len = 4 ref_len = 5)',
      'BLEU = 29.07 85.7/33.3/20.0/12.5 (BP = 1.000 ratio = 1.000 hyp_len = 7 ref_len = 7)',
    ]);
    const j = memoryIo();
    expect(await bleuCommand.run(['-r', ref1, '-r', ref2, hyp, '--sentence', '--json'], j.io)).toBe(0);
    const scores = (JSON.parse(j.stdout()) as Array<{ score: number }>).map((s) => s.score);
    [100, 14.794015674776452, 29.071536848410968].forEach((v, i) => expect(scores[i]).toBeCloseTo(v, 8));
  });

  it('fails with exit 1 and a clear message when line counts differ', async () => {
    const m = memoryIo();
    expect(await bleuCommand.run(['-r', short, hyp], m.io)).toBe(1);
    expect(m.stderr()).toMatch(/reference file .*short\.txt has 1 lines but hypothesis file .*hyp\.txt has 3/);
    expect(m.stdout()).toBe('');
  });

  it('fails with exit 1 on a missing file', async () => {
    const m = memoryIo();
    expect(await bleuCommand.run(['-r', join(dir, 'nope.txt'), hyp], m.io)).toBe(1);
    expect(m.stderr()).toMatch(/^error: .*nope\.txt/);
  });

  it.each([
    [[hyp]],
    [['-r', ref1, hyp, '--smooth', 'bogus']],
    [['-r', ref1, hyp, '--tokenize', 'zh']],
    [['-r', ref1, hyp, '--smooth-value', 'abc']],
    [['-r', ref1, hyp, '--frobnicate']],
    [['-r', ref1, hyp, hyp]],
  ])('usage error for %j', async (args) => {
    await expect(bleuCommand.run(args, memoryIo().io)).rejects.toThrow(UsageError);
  });

  it('--help prints the usage', async () => {
    const m = memoryIo();
    expect(await bleuCommand.run(['--help'], m.io)).toBe(0);
    expect(m.stdout()).toContain('Usage: llama-loom bleu');
  });
});

describe('llama-loom chrf', () => {
  it('chrF and chrF++ (sacrebleu 2.6.0)', async () => {
    const m = memoryIo();
    expect(await chrfCommand.run(['-r', ref1, '-r', ref2, hyp], m.io)).toBe(0);
    expect(m.stdout()).toBe('chrF2 = 59.73\nnrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:llama-loom-0.1.0\n');
    const j = memoryIo();
    expect(await chrfCommand.run(['-r', ref1, '-r', ref2, hyp, '--word-order', '2', '--json'], j.io)).toBe(0);
    const json = JSON.parse(j.stdout()) as { score: number; name: string };
    expect(json.score).toBeCloseTo(59.15310444399262, 8);
    expect(json.name).toBe('chrF2++');
  });

  it('--sentence (sacrebleu sentence_chrf)', async () => {
    const m = memoryIo();
    expect(await chrfCommand.run(['-r', ref1, '-r', ref2, hyp, '--sentence', '--json'], m.io)).toBe(0);
    const scores = (JSON.parse(m.stdout()) as Array<{ score: number }>).map((s) => s.score);
    [100, 35.34635301425291, 51.87740799504779].forEach((v, i) => expect(scores[i]).toBeCloseTo(v, 8));
  });

  it('usage errors and line mismatches', async () => {
    await expect(chrfCommand.run(['-r', ref1, hyp, '--word-order', '-1'], memoryIo().io)).rejects.toThrow(UsageError);
    await expect(chrfCommand.run(['-r', ref1, hyp, '--beta', '1.5'], memoryIo().io)).rejects.toThrow(UsageError);
    const m = memoryIo();
    expect(await chrfCommand.run(['-r', short, hyp], m.io)).toBe(1);
    expect(m.stderr()).toContain('has 1 lines');
  });
});

describe('llama-loom rouge', () => {
  const data = JSON.parse(readFileSync(new URL('./fixtures/rouge-testdata.json', import.meta.url), 'utf8')) as {
    targets: string[];
    predictions: string[];
  };
  const targets = file('targets.txt', data.targets.map((t) => t.replace(/\n$/, '')));
  const predictions = file('predictions.txt', data.predictions.map((t) => t.replace(/\n$/, '')));

  // ROUGE-1.5.5 per-example values from rouge_scorer_test.py, averaged over the two lines.
  it.each([
    [false, 'rouge1', (0.68750 + 0.65385) / 2, (0.40741 + 0.40476) / 2, (0.51163 + 0.50000) / 2],
    [false, 'rouge2', (0.53333 + 0.48000) / 2, (0.30769 + 0.29268) / 2, (0.39024 + 0.36364) / 2],
    [false, 'rougeL', (0.68750 + 0.65385) / 2, (0.40741 + 0.40476) / 2, (0.51163 + 0.50000) / 2],
    [true, 'rouge1', (0.68750 + 0.69231) / 2, (0.40741 + 0.42857) / 2, (0.51163 + 0.52941) / 2],
  ] as const)('--json stem=%s %s averages over lines', async (stem, type, p, r, f) => {
    const m = memoryIo();
    const args = ['-r', targets, predictions, '--json', '--types', 'rouge1,rouge2,rougeL', ...(stem ? ['--stem'] : [])];
    expect(await rougeCommand.run(args, m.io)).toBe(0);
    const json = JSON.parse(m.stdout()) as Record<string, { precision: number; recall: number; fmeasure: number }>;
    expect(Object.keys(json)).toEqual(['rouge1', 'rouge2', 'rougeL']);
    expect(Math.abs(json[type]!.precision - p)).toBeLessThan(1e-5);
    expect(Math.abs(json[type]!.recall - r)).toBeLessThan(1e-5);
    expect(Math.abs(json[type]!.fmeasure - f)).toBeLessThan(1e-5);
  });

  it('prints a table with mean and bootstrap low/mid/high', async () => {
    const m = memoryIo(data.predictions.join(''));
    expect(await rougeCommand.run(['-r', targets], m.io)).toBe(0);
    const lines = m.stdout().trim().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['TYPE', 'MEASURE', 'MEAN', 'LOW', 'MID', 'HIGH']);
    expect(lines).toHaveLength(1 + 4 * 3 + 1);
    const rouge1Recall = lines.find((l) => /^rouge1\s+recall/.test(l))!.split(/\s+/).slice(2).map(Number);
    // Printed with 5 decimals, compared with values themselves rounded to 5 decimals.
    expect(Math.abs(rouge1Recall[0]! - (0.40741 + 0.40476) / 2)).toBeLessThan(2e-5);
    // With two lines the bootstrap means can only be line 1, line 2 or their average.
    expect(rouge1Recall[1]).toBeLessThanOrEqual(rouge1Recall[2]!);
    expect(rouge1Recall[2]).toBeLessThanOrEqual(rouge1Recall[3]!);
    expect(lines.at(-1)).toBe('2 segments, 1 reference(s)');
  });

  it('uses the best reference per line with several -r files', async () => {
    const good = file('good.txt', ['the cat sat']);
    const bad = file('bad.txt', ['a dog ran']);
    const hypOne = file('hyp-one.txt', ['the cat sat']);
    const m = memoryIo();
    expect(await rougeCommand.run(['-r', bad, '-r', good, hypOne, '--json', '--types', 'rouge1'], m.io)).toBe(0);
    expect(JSON.parse(m.stdout())).toEqual({ rouge1: { precision: 1, recall: 1, fmeasure: 1 } });
  });

  it('usage errors', async () => {
    await expect(rougeCommand.run(['-r', targets, predictions, '--types', 'rouge0'], memoryIo().io)).rejects.toThrow(UsageError);
    await expect(rougeCommand.run([predictions], memoryIo().io)).rejects.toThrow(UsageError);
    await expect(rougeCommand.run(['-r', targets, predictions, '--stem=yes'], memoryIo().io)).rejects.toThrow(UsageError);
  });
});
