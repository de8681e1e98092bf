// An independent transcription of transformers' vectorised `_beam_search` (generation/utils.py) for
// one batch item, written the way the library does it: fixed-size running/finished arrays, -1e9
// sentinels, full sorts instead of selection. Tests compare lib/decoding's beam search against it.

export interface RefOptions {
  numBeams: number;
  maxNewTokens: number;
  lengthPenalty: number;
  earlyStopping: boolean | 'never';
  eos: ReadonlySet<number>;
}

export interface RefResult {
  tokens: number[];
  score: number;
}

function logSoftmax(logits: Float32Array): number[] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return [...logits].map((v) => v - lse);
}

export function hfBeamSearch(next: (prefix: number[]) => Float32Array, prompt: number[], o: RefOptions): RefResult[] {
  const B = o.numBeams;
  const K = Math.max(2, 1 + o.eos.size) * B;
  const promptLen = prompt.length;
  const maxLength = promptLen + o.maxNewTokens;
  let running = Array.from({ length: B }, () => [...prompt]);
  let runningScores = [0, ...new Array(B - 1).fill(-1e9)];
  let sequences = Array.from({ length: B }, () => [...prompt]);
  let beamScores = new Array(B).fill(-1e9);
  let isFinished = new Array(B).fill(false);
  let unsatisfied = true;
  let curLen = promptLen;
  for (;;) {
    const flat: { v: number; b: number; tok: number }[] = [];
    running.forEach((seq, b) => logSoftmax(next(seq)).forEach((lp, tok) => flat.push({ v: lp + runningScores[b], b, tok })));
    // torch.topk: best first (ties: lower flat index, as the sort is stable over flat order)
    const top = flat.map((c, i) => ({ ...c, i })).sort((x, y) => y.v - x.v || x.i - y.i).slice(0, K);
    const topSeqs = top.map((c) => [...running[c.b]!, c.tok]);
    const hits = top.map((c, j) => o.eos.has(c.tok) || topSeqs[j]!.length >= maxLength);

    // running beams for the next iteration
    const runLp = top.map((c, j) => c.v + (hits[j] ? -1e9 : 0));
    const order = runLp.map((_, j) => j).sort((a, b) => runLp[b]! - runLp[a]! || a - b).slice(0, B);
    const nextRunning = order.map((j) => topSeqs[j]!);
    const nextRunningScores = order.map((j) => runLp[j]!);

    // finished beams
    const beamsFull = isFinished.every(Boolean) && o.earlyStopping === true;
    const cand = top.map((c, j) => {
      const did = hits[j]! && j < B;
      let s = c.v / (curLen + 1 - promptLen) ** o.lengthPenalty;
      if (beamsFull) s += -1e9;
      if (!unsatisfied) s += -1e9;
      if (!did) s += -1e9;
      return { s, seq: topSeqs[j]!, fin: did };
    });
    const merged = [...sequences.map((seq, k) => ({ s: beamScores[k]!, seq, fin: isFinished[k]! })), ...cand];
    const keep = merged.map((_, i) => i).sort((a, b) => merged[b]!.s - merged[a]!.s || a - b).slice(0, B);
    sequences = keep.map((i) => merged[i]!.seq);
    beamScores = keep.map((i) => merged[i]!.s);
    isFinished = keep.map((i) => merged[i]!.fin);

    running = nextRunning;
    runningScores = nextRunningScores;
    curLen++;
    const bestLen = o.earlyStopping === 'never' && o.lengthPenalty > 0 ? maxLength - promptLen : curLen - promptLen;
    const best = runningScores[0]! / bestLen ** o.lengthPenalty;
    const worstFinished = Math.min(...beamScores);
    unsatisfied = unsatisfied && isFinished.some((f) => best > (f ? worstFinished : -1e9));
    const done = !unsatisfied || (isFinished.every(Boolean) && o.earlyStopping === true) || hits.every(Boolean);
    if (done) break;
  }
  return sequences.map((seq, k) => ({ tokens: seq.slice(promptLen), score: beamScores[k]! }));
}
