import { statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { UsageError, type CliIo } from '../../lib/cli/command.js';
import { inspectCommand } from '../../lib/cli/commands/inspect.js';
import { readGguf } from '../../lib/gguf/reader.js';
import { fixturePath } from '../helpers/fixtures.js';

function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let o = '', e = '';
  stdout.on('data', (c: Buffer) => { o += c.toString(); });
  stderr.on('data', (c: Buffer) => { e += c.toString(); });
  return { io: { stdout, stderr, stdin: new PassThrough(), isTTY: false }, out: () => o, err: () => e };
}

// tiny fixture: V tokens, nEmbd 64, 2 layers, 4 heads (2 kv heads → kv width 32), nFf 128.
// 2-D tensors per layer: q 64², k 64·32, v 64·32, o 64², gate/up/down 64·128 → 7 per layer, plus
// token_embd and output (64·V each); 1-D: 2 norms per layer plus output_norm, all f32.
const expectedParams = (v: number): number => 2 * 64 * v + 64 + 2 * (2 * 64 + 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128);

test('--json prints one object describing the q8_0 fixture', async () => {
  const path = await fixturePath('tiny-q8_0');
  const { io, out, err } = captureIo();
  expect(await inspectCommand.run(['--json', path], io)).toBe(0);
  expect(err()).toBe('');
  const j = JSON.parse(out());
  const nVocab = j.vocabSize as number;
  expect(nVocab).toBe((await readGguf(path)).kv.get('tokenizer.ggml.tokens')!.length);
  const q8Elements = 2 * 64 * nVocab + 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128);
  const f32Elements = 64 + 2 * 2 * 64;
  expect(j).toMatchObject({
    path, fileSize: statSync(path).size, version: 3, architecture: 'llama',
    parameterCount: expectedParams(nVocab),
    fileType: { id: 7, name: 'MOSTLY_Q8_0' },
    tensorCount: 21,
    tensorTypes: [
      { type: 'q8_0', count: 16, bytes: (q8Elements / 32) * 34 }, // 34-byte blocks of 32
      { type: 'f32', count: 5, bytes: f32Elements * 4 },
    ],
    tokenizerModel: 'llama',
    specialTokens: { bos: { id: 1, text: '<s>' }, eos: { id: 2, text: '</s>' }, unknown: { id: 0, text: '<unk>' } },
  });
  expect(j.metadata['llama.embedding_length']).toEqual({ type: 'u32', value: 64 });
  expect(j.metadata['general.architecture']).toEqual({ type: 'str', value: 'llama' });
  expect(j.metadata['tokenizer.ggml.tokens']).toEqual({
    type: 'arr', arrayType: 'str', length: nVocab, first: ['<unk>', '<s>', '</s>', '<0x00>', '<0x01>', '<0x02>', '<0x03>', '<0x04>'],
  });
  expect(j.tensors).toHaveLength(21);
  expect(j.tensors[0]).toMatchObject({ name: 'token_embd.weight', type: 'q8_0', shape: [64, nVocab], offset: 0 });
  expect(out().trim().split('\n')).toHaveLength(1);
});

test('text output lists the headline facts and every metadata key', async () => {
  const path = await fixturePath('tiny-f16');
  const f = await readGguf(path);
  const nVocab = f.kv.get('tokenizer.ggml.tokens')!.length!;
  const { io, out } = captureIo();
  expect(await inspectCommand.run([path], io)).toBe(0);
  const text = out();
  expect(text).toMatch(/^architecture:\s+llama$/m);
  expect(text).toMatch(/^file type:\s+MOSTLY_F16 \(1\)$/m);
  expect(text).toMatch(new RegExp(`^parameters:\\s+${expectedParams(nVocab).toLocaleString('en-US')}$`, 'm'));
  expect(text).toMatch(/^tensors:\s+21$/m);
  expect(text).toMatch(/^\s+f16\s+16 tensors/m);
  expect(text).toMatch(/^\s+f32\s+5 tensors/m);
  expect(text).toMatch(new RegExp(`^vocabulary:\\s+${nVocab} tokens \\(llama\\)$`, 'm'));
  expect(text).toMatch(/^special tokens:.*bos=1 "<s>".*eos=2 "<\/s>"/m);
  expect(text).toMatch(new RegExp(`tokenizer\\.ggml\\.tokens\\s+arr\\s+\\[str × ${nVocab}\\] "<unk>", "<s>", "</s>", "<0x00>",.*, …$`, 'm'));
  expect(text).toMatch(/llama\.attention\.head_count_kv\s+u32\s+2$/m);
  for (const key of f.kv.keys()) expect(text).toContain(key);
});

test('usage mistakes and unreadable files', async () => {
  const { io, err } = captureIo();
  await expect(inspectCommand.run([], io)).rejects.toThrow(UsageError);
  await expect(inspectCommand.run(['a.gguf', 'b.gguf'], io)).rejects.toThrow(UsageError);
  await expect(inspectCommand.run(['--bogus', 'a.gguf'], io)).rejects.toThrow(UsageError);
  expect(await inspectCommand.run(['/nonexistent/model.gguf'], io)).toBe(1);
  expect(err()).toMatch(/\/nonexistent\/model\.gguf: cannot open/);
  const help = captureIo();
  expect(await inspectCommand.run(['--help'], help.io)).toBe(0);
  expect(help.out()).toContain('llama-loom inspect');
});
