import { main } from '../../lib/cli/main.js';
import { parseGenerateArgs } from '../../lib/cli/commands/generate.js';
import { fixturePath } from '../helpers/fixtures.js';
import { memoryIo } from '../helpers/io.js';

describe('llama-loom CLI', () => {
  it('lists the commands and exits 2 without one', async () => {
    const { io, out } = memoryIo();
    expect(await main([], io)).toBe(2);
    for (const name of ['generate', 'inspect', 'pull', 'bleu', 'chrf', 'rouge']) expect(out()).toContain(name);
  });

  it('rejects an unknown command and bad options with exit code 2', async () => {
    const a = memoryIo();
    expect(await main(['frobnicate'], a.io)).toBe(2);
    expect(a.err()).toContain('unknown command "frobnicate"');
    const b = memoryIo();
    expect(await main(['generate', '--top-p', 'lots', 'hi'], b.io)).toBe(2);
    expect(b.err()).toContain('--top-p must be a number; received "lots"');
  });

  it('maps options onto the decoding config', () => {
    const p = parseGenerateArgs(['hi', '--beams', '4', '--length-penalty', '0.5', '--num-return', '2', '-n', '9']);
    expect(p).toMatchObject({ help: false, prompt: 'hi', options: { numBeams: 4, lengthPenalty: 0.5, numReturnSequences: 2, maxNewTokens: 9 } });
    expect((p as { options: { doSample?: boolean } }).options.doSample).toBeUndefined();
    const s = parseGenerateArgs(['hi', '--top-k', '5', '--seed', '3']);
    expect(s).toMatchObject({ options: { doSample: true, topK: 5, seed: 3, temperature: 0.8, topP: 0.95 } });
  });

  it('generate --json prints one JSON object with timings', async () => {
    const model = await fixturePath('tiny-f32');
    const { io, out } = memoryIo();
    const code = await main(['generate', '-m', model, '--greedy', '-n', '8', '--json', 'Once upon a time'], io);
    expect(code).toBe(0);
    const res = JSON.parse(out());
    expect(res.tokens.length).toBeGreaterThan(0);
    expect(res.tokens.length).toBeLessThanOrEqual(8);
    expect(res.logprobs).toHaveLength(res.tokens.length);
    expect(typeof res.text).toBe('string');
    expect(['eos', 'length', 'stop']).toContain(res.finishReason);
    expect(res.timings.generationTokensPerSecond).toBeGreaterThan(0);
  });

  it('generate reads the prompt from stdin and streams text; several returns print { sequences }', async () => {
    const model = await fixturePath('tiny-f32');
    const a = memoryIo('Once upon a time\n');
    expect(await main(['generate', '-m', model, '--greedy', '-n', '6'], a.io)).toBe(0);
    expect(a.out().startsWith('Once upon a time')).toBe(true);
    const b = memoryIo();
    expect(await main(['generate', '-m', model, '--beams', '3', '--num-return', '2', '-n', '5', '--json', 'Hello'], b.io)).toBe(0);
    expect(JSON.parse(b.out()).sequences).toHaveLength(2);
  });

  it('a missing model is a clear error with exit code 1', async () => {
    const { io, err } = memoryIo();
    expect(await main(['generate', '-m', '/nonexistent/model.gguf', 'hi'], io)).toBe(1);
    expect(err()).toMatch(/NOT_FOUND|not found/);
  });
});
