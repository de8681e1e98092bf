// `llama-loom perplexity` and `llama-loom eval` run in-process through memoryIo.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perplexityCommand } from '../../lib/cli/commands/perplexity.js';
import { evalCommand } from '../../lib/cli/commands/eval.js';
import { UsageError } from '../../lib/cli/command.js';
import { brownCorpusDirectory, brownTaggedToText } from '../../lib/train/corpus.js';
import { fixturePath } from '../helpers/fixtures.js';
import { memoryIo } from '../helpers/io.js';
import { llamaPerplexity } from '../helpers/reference.js';

let dir: string;
let modelPath: string;
let textFile: string;
let text: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loom-evalcli-'));
  modelPath = await fixturePath('tiny-f32');
  text = brownTaggedToText(readFileSync(join(brownCorpusDirectory(), 'ca02'), 'utf8')).slice(0, 1500);
  textFile = join(dir, 'text.txt');
  // A trailing newline, which llama-perplexity drops when it reads the file.
  writeFileSync(textFile, `${text}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function referenceFinalLine(ctx: number, batch: number): string {
  const { ppl, stderr } = llamaPerplexity(modelPath, textFile, ['-c', String(ctx), '-b', String(batch), '-t', '2']);
  return `Final estimate: PPL = ${ppl} +/- ${stderr}`;
}

describe('llama-loom perplexity', () => {
  test('prints the same final line as llama-perplexity, with progress on stderr', async () => {
    const { io, out, err } = memoryIo();
    const code = await perplexityCommand.run(['-m', modelPath, '-c', '64', '-b', '128', '-t', '2', textFile], io);
    expect(code).toBe(0);
    expect(out()).toBe(`${referenceFinalLine(64, 128)}\n`);
    expect(err()).toMatch(/^perplexity 100% \d+ in \d+s \(.+ it\/s\)\n\[\d+ chunks of 64 tokens, \d+ scored of \d+, /);
  });

  test('--json, text from stdin', async () => {
    const { io, out } = memoryIo(`${text}\n`);
    const code = await perplexityCommand.run(['-m', modelPath, '-c', '64', '--json'], io);
    expect(code).toBe(0);
    const json = JSON.parse(out()) as Record<string, number>;
    expect(Object.keys(json)).toEqual(['ppl', 'pplStderr', 'tokens', 'chunks', 'contextSize']);
    expect(`Final estimate: PPL = ${json.ppl!.toFixed(4)} +/- ${json.pplStderr!.toFixed(5)}`).toBe(referenceFinalLine(64, 2048));
    expect(json.contextSize).toBe(64);
  });

  test('usage mistakes and a too-short text', async () => {
    await expect(perplexityCommand.run(['-c', 'x', textFile], memoryIo().io)).rejects.toThrow(UsageError);
    await expect(perplexityCommand.run(['a', 'b'], memoryIo().io)).rejects.toThrow('expected at most one text file; received 2');
    const missing = memoryIo();
    expect(await perplexityCommand.run([join(dir, 'missing.txt')], missing.io)).toBe(1);
    expect(missing.err()).toContain(`llama-loom perplexity: cannot read ${join(dir, 'missing.txt')}: ENOENT`);
    const { io } = memoryIo('too short');
    await expect(perplexityCommand.run(['-m', modelPath, '-c', '64'], io)).rejects.toThrow('perplexity needs at least 2 × contextSize = 128 tokens');
  });
});

describe('llama-loom eval', () => {
  const data = [
    { prompt: 'The city of', reference: ' the old town' },
    { prompt: 'She said that the', references: [' house was new', ' home was new'] },
    { prompt: 'In the morning we', reference: ' walked to the river' },
  ];

  test('table with every strategy, and JSON', async () => {
    const file = join(dir, 'set.jsonl');
    writeFileSync(file, data.map((d) => JSON.stringify(d)).join('\n'));
    const { io, out, err } = memoryIo();
    const args = ['-m', modelPath, '--data', file, '--strategy', 'greedy', '--strategy', 'beam:2', '--strategy', 'top-p:0.9', '-n', '4', '--seed', '3', '-c', '64'];
    expect(await evalCommand.run(args, io)).toBe(0);
    const lines = out().split('\n');
    expect(lines[0]).toMatch(/^strategy\s+BLEU\s+chrF\s+ROUGE-1\s+ROUGE-2\s+ROUGE-L\s+len\s+tok\/s$/);
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual(['greedy', 'beam:2', 'top-p:0.9']);
    expect(out()).toContain('3 items, at most 4 new tokens');
    expect(out()).toMatch(/reference perplexity given the prompts: \d+\.\d{4} \(\d+ tokens\)/);
    expect(err()).toMatch(/^eval 100% 12 in /);

    const json = memoryIo();
    expect(await evalCommand.run([...args, '--json', '--no-ppl'], json.io)).toBe(0);
    const report = JSON.parse(json.out()) as { items: number; strategies: { label: string; outputs: string[] }[]; referencePerplexity: unknown };
    expect(report.items).toBe(3);
    expect(report.referencePerplexity).toBeNull();
    expect(report.strategies.map((s) => s.label)).toEqual(['greedy', 'beam:2', 'top-p:0.9']);
    expect(report.strategies.every((s) => s.outputs.length === 3)).toBe(true);
  });

  test('dataset errors name the line; usage errors', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"prompt":"a","reference":"b"}\n{"prompt":"a"}\n');
    const { io, err } = memoryIo();
    expect(await evalCommand.run(['-m', modelPath, '--data', bad], io)).toBe(1);
    expect(err()).toBe(`llama-loom eval: ${bad}:2: missing "reference" (a string) or "references" (an array of strings)\n`);
    await expect(evalCommand.run([], memoryIo().io)).rejects.toThrow('--data FILE is required');
    await expect(evalCommand.run(['--data', bad, '--strategy', 'beam:0'], memoryIo().io)).rejects.toThrow('--strategy: strategy "beam:0"');
    await expect(evalCommand.run(['--data', bad, '--strategy', 'nucleus'], memoryIo().io)).rejects.toThrow(UsageError);
    await expect(evalCommand.run(['--data', bad, 'extra'], memoryIo().io)).rejects.toThrow('unexpected argument "extra"');
    const help = memoryIo();
    expect(await evalCommand.run(['--help'], help.io)).toBe(0);
    expect(help.out()).toContain('Usage: llama-loom eval');
  });
});
