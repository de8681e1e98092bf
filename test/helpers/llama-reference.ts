// A float64 forward pass of llama.cpp's "llama" architecture, written from the architecture's
// definition (RMSNorm, rotary embeddings in llama.cpp's "normal" mode: adjacent pairs, scaled
// dot-product attention with grouped KV heads, SwiGLU feed-forward), independent of ggml. The only
// concession to llama.cpp is the KV cache's storage type: keys and values are rounded to float16,
// as the default cache stores them, so the comparison measures the kernels and not the cache.
import { open } from 'node:fs/promises';
import { fp16ToFp32, fp32ToFp16 } from '../../lib/gguf/quantize.js';
import { readGguf, type GgufFile } from '../../lib/gguf/reader.js';

/** What the f16 KV cache stores for a value: rounded to float32 (as ggml computes it), then to f16. */
const roundToF16 = (x: number): number => fp16ToFp32(fp32ToFp16(x));

interface Hparams {
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nVocab: number;
  ropeTheta: number;
  rmsEps: number;
}

/** Weights and hyper-parameters of an all-f32 llama GGUF, and its logits for a token sequence. */
export class LlamaReference {
  private constructor(private readonly h: Hparams, private readonly w: Map<string, Float64Array>) {}

  /** Reads an f32 llama model (as `writeLlamaFixture` writes with type 'f32'). */
  static async load(path: string): Promise<LlamaReference> {
    const f: GgufFile = await readGguf(path);
    const num = (k: string): number => Number(f.metadata.get(k));
    const h: Hparams = {
      nEmbd: num('llama.embedding_length'), nLayer: num('llama.block_count'),
      nHead: num('llama.attention.head_count'), nHeadKv: num('llama.attention.head_count_kv'),
      nFf: num('llama.feed_forward_length'), nVocab: 0,
      ropeTheta: num('llama.rope.freq_base'), rmsEps: num('llama.attention.layer_norm_rms_epsilon'),
    };
    const w = new Map<string, Float64Array>();
    const fh = await open(path, 'r');
    try {
      for (const t of f.tensors) {
        if (t.type !== 'f32') throw new Error(`${path}: ${t.name} is ${t.type}; the reference reads f32 models only`);
        const buf = Buffer.alloc(t.byteSize);
        await fh.read(buf, 0, t.byteSize, t.fileOffset);
        w.set(t.name, Float64Array.from(new Float32Array(buf.buffer, buf.byteOffset, t.elementCount)));
      }
    } finally {
      await fh.close();
    }
    h.nVocab = w.get('token_embd.weight')!.length / h.nEmbd;
    return new LlamaReference(h, w);
  }

  get vocabSize(): number {
    return this.h.nVocab;
  }

  private t(name: string): Float64Array {
    const x = this.w.get(name);
    if (!x) throw new Error(`missing tensor ${name}`);
    return x;
  }

  /** y = W x for a GGUF matrix of shape [inDim, outDim] (row o holds output o's weights). */
  private static matVec(wt: Float64Array, x: Float64Array, outDim: number): Float64Array {
    const n = x.length;
    const y = new Float64Array(outDim);
    for (let o = 0; o < outDim; o++) {
      let s = 0;
      const base = o * n;
      for (let i = 0; i < n; i++) s += wt[base + i]! * x[i]!;
      y[o] = s;
    }
    return y;
  }

  private rmsNorm(x: Float64Array, weight: Float64Array): Float64Array {
    let ss = 0;
    for (const v of x) ss += v * v;
    const k = 1 / Math.sqrt(ss / x.length + this.h.rmsEps);
    return x.map((v, i) => v * k * weight[i]!);
  }

  /** Rotates adjacent pairs (2i, 2i+1) of each head by pos · θ^(-2i/headDim), in place. */
  private rope(v: Float64Array, nHeads: number, pos: number): void {
    const d = v.length / nHeads;
    for (let hd = 0; hd < nHeads; hd++) {
      for (let i = 0; i < d; i += 2) {
        const angle = pos * this.h.ropeTheta ** (-i / d);
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        const a = v[hd * d + i]!;
        const b = v[hd * d + i + 1]!;
        v[hd * d + i] = a * c - b * s;
        v[hd * d + i + 1] = a * s + b * c;
      }
    }
  }

  /** Logits after each token of `tokens` (positions 0, 1, …), one row per token. */
  logits(tokens: readonly number[]): Float64Array[] {
    const { nEmbd, nLayer, nHead, nHeadKv, nFf, nVocab } = this.h;
    const d = nEmbd / nHead;
    const group = nHead / nHeadKv;
    const emb = this.t('token_embd.weight');
    const xs = tokens.map((tok) => emb.slice(tok * nEmbd, (tok + 1) * nEmbd));
    for (let l = 0; l < nLayer; l++) {
      const b = `blk.${l}.`;
      const keys: Float64Array[] = [];
      const values: Float64Array[] = [];
      const queries: Float64Array[] = [];
      for (let p = 0; p < xs.length; p++) {
        const n = this.rmsNorm(xs[p]!, this.t(b + 'attn_norm.weight'));
        const q = LlamaReference.matVec(this.t(b + 'attn_q.weight'), n, nEmbd);
        const k = LlamaReference.matVec(this.t(b + 'attn_k.weight'), n, d * nHeadKv);
        const v = LlamaReference.matVec(this.t(b + 'attn_v.weight'), n, d * nHeadKv);
        this.rope(q, nHead, p);
        this.rope(k, nHeadKv, p);
        queries.push(q);
        keys.push(k.map(roundToF16));
        values.push(v.map(roundToF16));
      }
      for (let p = 0; p < xs.length; p++) {
        const att = new Float64Array(nEmbd);
        for (let hd = 0; hd < nHead; hd++) {
          const kvh = Math.floor(hd / group);
          const scores = new Float64Array(p + 1);
          let max = -Infinity;
          for (let j = 0; j <= p; j++) {
            let s = 0;
            for (let i = 0; i < d; i++) s += queries[p]![hd * d + i]! * keys[j]![kvh * d + i]!;
            scores[j] = s / Math.sqrt(d);
            max = Math.max(max, scores[j]!);
          }
          let sum = 0;
          for (let j = 0; j <= p; j++) sum += (scores[j] = Math.exp(scores[j]! - max));
          for (let j = 0; j <= p; j++) {
            const wgt = scores[j]! / sum;
            for (let i = 0; i < d; i++) att[hd * d + i] += wgt * values[j]![kvh * d + i]!;
          }
        }
        const o = LlamaReference.matVec(this.t(b + 'attn_output.weight'), att, nEmbd);
        const x1 = xs[p]!.map((v, i) => v + o[i]!);
        const n2 = this.rmsNorm(x1, this.t(b + 'ffn_norm.weight'));
        const gate = LlamaReference.matVec(this.t(b + 'ffn_gate.weight'), n2, nFf);
        const up = LlamaReference.matVec(this.t(b + 'ffn_up.weight'), n2, nFf);
        const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
        const down = LlamaReference.matVec(this.t(b + 'ffn_down.weight'), act, nEmbd);
        xs[p] = x1.map((v, i) => v + down[i]!);
      }
    }
    const out = this.w.get('output.weight') ?? emb;
    return xs.map((x) => LlamaReference.matVec(out, this.rmsNorm(x, this.t('output_norm.weight')), nVocab));
  }
}
