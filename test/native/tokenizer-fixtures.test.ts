// Token ids must equal llama.cpp's own expectations: the .inp/.out pairs shipped beside the
// vocab-only GGUFs (what llama.cpp's test-tokenizer-0 checks: addSpecial false, parseSpecial false).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, type Model } from '../../lib/index.js';
import { vocabDir } from '../helpers/paths.js';

const SEP = '\n__ggml_vocab_test__\n';

function readCases(gguf: string): { text: string; ids: number[] }[] {
  const inputs = readFileSync(`${gguf}.inp`, 'utf8').split(SEP);
  const outputs = readFileSync(`${gguf}.out`, 'utf8').split('\n');
  // Both files end with a separator / newline after the last case.
  if (inputs[inputs.length - 1] === '') inputs.pop();
  return inputs.map((text, i) => ({
    text,
    ids: outputs[i]!.trim() === '' ? [] : outputs[i]!.trim().split(/\s+/).map(Number),
  }));
}

const families = readdirSync(vocabDir)
  .filter((f) => f.endsWith('.gguf') && existsSync(join(vocabDir, `${f}.inp`)) && existsSync(join(vocabDir, `${f}.out`)))
  .sort();

describe('tokenizer fixtures from llama.cpp', () => {
  it('covers SPM, BPE and WPM vocabularies', () => {
    expect(families).toEqual(expect.arrayContaining(['ggml-vocab-llama-spm.gguf', 'ggml-vocab-gpt-2.gguf', 'ggml-vocab-bert-bge.gguf']));
  });

  describe.each(families)('%s', (file) => {
    let model: Model;
    beforeAll(async () => {
      model = await loadModel(join(vocabDir, file), { vocabOnly: true });
    });
    afterAll(() => model?.dispose());

    it('tokenizes every fixture input exactly as llama.cpp expects', () => {
      const cases = readCases(join(vocabDir, file));
      expect(cases.length).toBeGreaterThan(20);
      for (const { text, ids } of cases) {
        expect({ text, ids: Array.from(model.tokenize(text, { addSpecial: false })) }).toEqual({ text, ids });
      }
    });
  });
});
