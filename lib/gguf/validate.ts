// Pre-load check of a model file: catches what makes llama.cpp abort the process (GGML_ASSERT,
// division by zero) or fail late, and reports it as LoomError('INVALID_GGUF') instead.
import { LoomError } from '../errors.js';
import { checkObject, checkString } from '../validate.js';
import { ARCH_SPECS, genericHparams, SpecProblem, type HparamReader } from './arch-specs.js';
import type { GgufMetadataEntry } from './read-metadata.js';
import { readGguf, type GgufFile } from './reader.js';
import { validateTokenizer } from './validate-tokenizer.js';

/** Options of {@link validateModelFile}. */
export interface ValidateModelOptions {
  /** Check only the container and tokenizer, as for a file loaded with `vocab_only`. Default false. */
  vocabOnly?: boolean;
}

/** What a successful validation learned about the file. */
export interface ModelFileCheck {
  file: GgufFile;
  architecture: string;
  /** Whether the architecture's hyperparameters and tensors were checked (false for unknown architectures). */
  architectureChecked: boolean;
  /** Number of tokens, when the file has a vocabulary. */
  nVocab: number | undefined;
}

function hparamReader(arch: string, kv: Map<string, GgufMetadataEntry>): HparamReader {
  const k = (key: string): string => `${arch}.${key}`;
  const entry = (key: string, required: boolean): GgufMetadataEntry | undefined => {
    const e = kv.get(k(key));
    if (!e && required) throw new SpecProblem(`required key ${k(key)} is missing`);
    return e;
  };
  const bounds = (key: string, v: number, min?: number, max?: number): number => {
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      throw new SpecProblem(`${k(key)} is ${v}; must be ${max === undefined ? `at least ${min}` : `in [${min ?? 0}, ${max}]`}`);
    }
    return v;
  };
  return {
    k,
    u32(key, { required, min, max }) {
      const e = entry(key, required);
      if (!e) return undefined;
      if (e.type !== 'u32') throw new SpecProblem(`${k(key)} must be of type u32; found ${e.type}`);
      return bounds(key, e.value as number, min, max);
    },
    perLayer(key, nLayer, { required, min, fallback }) {
      const e = entry(key, required);
      if (!e) return fallback;
      if (e.type === 'u32') return new Array<number>(nLayer).fill(bounds(key, e.value as number, min));
      if (e.type !== 'arr' || (e.arrayType !== 'u32' && e.arrayType !== 'i32')) {
        throw new SpecProblem(`${k(key)} must be u32 or an array of u32/i32; found ${e.type === 'arr' ? `arr of ${e.arrayType}` : e.type}`);
      }
      const arr = e.value as Uint32Array | Int32Array;
      if (e.length !== nLayer) throw new SpecProblem(`${k(key)} has ${e.length} entries; expected one per layer (${nLayer})`);
      return Array.from(arr, (v) => bounds(key, v, min));
    },
    f32(key, { required, gt, min }) {
      const e = entry(key, required);
      if (!e) return undefined;
      if (e.type !== 'f32') throw new SpecProblem(`${k(key)} must be of type f32; found ${e.type}`);
      const v = e.value as number;
      if (!Number.isFinite(v) || (gt !== undefined && v <= gt) || (min !== undefined && v < min)) {
        throw new SpecProblem(`${k(key)} is ${v}; must be a finite number ${gt !== undefined ? `> ${gt}` : `>= ${min}`}`);
      }
      return v;
    },
    str(key, { required, oneOf }) {
      const e = entry(key, required);
      if (!e) return undefined;
      if (e.type !== 'str') throw new SpecProblem(`${k(key)} must be of type str; found ${e.type}`);
      const v = e.value as string;
      if (oneOf && !oneOf.includes(v)) throw new SpecProblem(`${k(key)} is ${JSON.stringify(v)}; must be one of ${oneOf.join(', ')}`);
      return v;
    },
  };
}

/** ggml's TENSOR_ALIGNMENT: a memory-mapped tensor whose data is not this aligned trips a GGML_ASSERT. */
const TENSOR_ALIGNMENT = 32;

// gguf_init_from_file requires tensor data to be laid out back to back in directory order,
// each tensor padded to the alignment; anything else makes llama.cpp refuse the file.
function checkLayout(file: GgufFile): string | undefined {
  let expected = 0;
  for (const t of file.tensors) {
    if (t.offset !== expected) return `tensor '${t.name}' has data offset ${t.offset}; llama.cpp expects ${expected} (tensors back to back in directory order)`;
    if (t.fileOffset % TENSOR_ALIGNMENT !== 0) return `tensor '${t.name}' data starts at file offset ${t.fileOffset}, not a multiple of ${TENSOR_ALIGNMENT} (general.alignment ${file.alignment}); ggml asserts that mapped tensors are ${TENSOR_ALIGNMENT}-byte aligned`;
    expected += Math.ceil(t.byteSize / file.alignment) * file.alignment;
  }
  return undefined;
}

// No llama.cpp architecture stores weights of these types; its CPU kernels crash (SIGSEGV in
// mul_mat, GGML_ABORT in binary ops) when a file claims them.
const NON_WEIGHT_TYPES = new Set(['i8', 'i16', 'i32', 'i64', 'f64']);

function checkTensorTypes(file: GgufFile): string | undefined {
  const t = file.tensors.find((x) => NON_WEIGHT_TYPES.has(x.type));
  return t && `tensor '${t.name}' has type ${t.type}; model weights must be floating-point or quantised`;
}

// The CPU backend's element-wise add/mul (norm weights, biases) takes an f32 activation and
// aborts unless the weight is f32 too (ggml-cpu/binary-ops.cpp); converters always write f32.
const ELEMENTWISE_TYPES = new Set(['f32']);
const pad4 = (s: readonly number[]): number[] => [...s, 1, 1, 1, 1].slice(0, 4);
const sameShape = (a: readonly number[], b: readonly number[]): boolean => pad4(a).every((v, i) => v === pad4(b)[i]);
const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

function checkTensors(file: GgufFile, arch: string, h: Record<string, unknown>, nVocab: number): string | undefined {
  const spec = ARCH_SPECS.get(arch)!;
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  for (const s of spec.tensors(h, nVocab, (name) => byName.has(name))) {
    const t = byName.get(s.name);
    if (!t) {
      if (s.required) return `required tensor '${s.name}' is missing`;
      continue;
    }
    if (!sameShape(t.shape, s.shape)) return `tensor '${s.name}' has shape ${fmt(t.shape)}; the hyperparameters imply ${fmt(s.shape)}`;
    if (s.elementwise && !ELEMENTWISE_TYPES.has(t.type)) return `tensor '${s.name}' has type ${t.type}; element-wise weights (norms, biases) must be f32`;
  }
  return undefined;
}

/**
 * Checks a GGUF model file before llama.cpp opens it: the container (via readGguf, plus the
 * exact data layout llama.cpp requires), the tokenizer metadata (known tokenizer model, token
 * arrays of equal length, unique tokens, special-token ids inside the vocabulary), and for known
 * architectures (see ARCH_SPECS) the hyperparameters' presence, types and consistency and every
 * tensor's presence and shape. Every architecture gets the container and tokenizer checks, the
 * hyperparameter assertions llama.cpp makes for all architectures (see genericHparams), 32-byte
 * aligned tensor data and floating-point or quantised tensor types.
 * Throws `LoomError('INVALID_GGUF')` naming the file and the first problem found.
 */
export async function validateModelFile(path: string, options: ValidateModelOptions = {}): Promise<ModelFileCheck> {
  checkString('path', path, { nonEmpty: true });
  checkObject('options', options);
  const file = await readGguf(path);
  const reject: (what: string) => never = (what) => {
    throw new LoomError('INVALID_GGUF', `${path}: ${what}`);
  };
  const layout = checkLayout(file);
  if (layout) reject(layout);

  const archEntry = file.kv.get('general.architecture');
  if (!archEntry) reject('general.architecture is missing');
  if (archEntry.type !== 'str') reject(`general.architecture must be of type str; found ${archEntry.type}`);
  const architecture = archEntry.value as string;

  const tokenizer = validateTokenizer(file.kv);
  if (typeof tokenizer === 'string') reject(tokenizer);
  const nVocab = tokenizer.nVocab;
  // Without a vocabulary llama.cpp loads the model, then GGML_ASSERTs on the first tokenize.
  if (nVocab === undefined) reject('the file has no vocabulary (tokenizer.ggml.model and tokenizer.ggml.tokens); llama-loom needs one to tokenize');

  if (options.vocabOnly) return { file, architecture, architectureChecked: false, nVocab };
  const typeProblem = checkTensorTypes(file);
  if (typeProblem) reject(typeProblem);
  const spec = ARCH_SPECS.get(architecture);
  let h: Record<string, unknown>;
  try {
    genericHparams(hparamReader(architecture, file.kv));
    if (!spec) return { file, architecture, architectureChecked: false, nVocab };
    h = spec.hparams(hparamReader(architecture, file.kv));
  } catch (err) {
    if (err instanceof SpecProblem) return reject(err.message);
    throw err;
  }
  const declared = file.kv.get(`${architecture}.vocab_size`);
  if (declared && (declared.type !== 'u32' || declared.value !== nVocab)) {
    reject(`${architecture}.vocab_size (${String(declared.value)}) does not match the ${nVocab} tokens in tokenizer.ggml.tokens`);
  }
  const tensorProblem = checkTensors(file, architecture, h, nVocab);
  if (tensorProblem) reject(tensorProblem);
  return { file, architecture, architectureChecked: true, nVocab };
}
