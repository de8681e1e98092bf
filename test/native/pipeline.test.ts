import { kwargsToOptions, pipeline } from '../../lib/index.js';
import { fixturePath } from '../helpers/fixtures.js';

describe("pipeline('text-generation')", () => {
  it('ports the transformers example: several sampled continuations of the prompt', async () => {
    const generator = await pipeline('text-generation', await fixturePath('tiny-f32'), { contextSize: 256, threads: 2 });
    try {
      const prompt = "Hello, I'm a language model,";
      const out = await generator(prompt, { max_length: 30, num_return_sequences: 5, seed: 42 });
      expect(out).toHaveLength(5);
      for (const o of out) expect(o.generated_text.startsWith(prompt)).toBe(true);
      const again = await generator(prompt, { max_length: 30, num_return_sequences: 5, seed: 42 });
      expect(again).toEqual(out);
      const beams = await generator(prompt, { max_new_tokens: 8, num_beams: 3, num_return_sequences: 2, return_full_text: false });
      expect(beams).toHaveLength(2);
      expect(beams[0]!.generated_text.startsWith(prompt)).toBe(false);
      const batch = await generator(['a', 'b'], { max_new_tokens: 3, do_sample: false });
      expect(batch).toHaveLength(2);
    } finally {
      generator.dispose();
    }
  });

  it('maps snake_case kwargs and rejects unknown ones', () => {
    expect(kwargsToOptions({ max_length: 30, top_p: 0.9, repetition_penalty: 1.2 }, 10, {})).toMatchObject({ maxNewTokens: 20, topP: 0.9, repetitionPenalty: 1.2 });
    expect(() => kwargsToOptions({ max_length: 5 }, 10, {})).toThrow('max_length must be an integer greater than the prompt length (10 tokens); received 5');
    expect(() => kwargsToOptions({ topp: 0.9 } as never, 1, {})).toThrow(TypeError);
    expect(kwargsToOptions({ num_beams: 4 }, 1, { doSample: true })).toMatchObject({ numBeams: 4, doSample: false });
  });
});
