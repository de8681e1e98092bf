// llama-bench's tg test and llama.cpp's greedy generation in a process that stays loaded
// (`build/bin/loom-ref-tg`, built from the same llama.cpp tree, no llama-loom code), so the bench
// can alternate them with llama-loom's own generations many times within seconds. This VM's speed
// drifts by up to 2× between turns tens of seconds apart, and a fresh llama-bench process per pair
// was too coarse to settle a few per cent.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LoomError } from '../errors.js';

/** A running `loom-ref-tg`: one model loaded, its threadpool parked between turns. */
export class ReferenceTg {
  private readonly lines: AsyncIterator<string>;
  private stderr = '';
  private closed = false;
  /** Settles once the process has exited and its output streams have closed. */
  private readonly ended: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly maxTokens: number) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-2000); });
    // A process that died makes writes fail (EPIPE); the next read reports it, so these only keep
    // the errors from being thrown as unhandled.
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => { this.stderr ||= err.message; });
    this.ended = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /**
   * Starts `bin` on `modelPath` with llama-bench's tg settings (`threads` threads, a context of
   * `contextSize` tokens, by default `maxTokens` as llama-bench sizes it) and waits until it has
   * loaded the model and decoded one warm-up token. Turns take at most `maxTokens` tokens.
   */
  static async start(bin: string, modelPath: string, o: { threads: number; maxTokens: number; contextSize?: number }): Promise<ReferenceTg> {
    const contextSize = o.contextSize ?? o.maxTokens;
    if (!Number.isInteger(contextSize) || contextSize < o.maxTokens) {
      throw new RangeError(`contextSize must be an integer of at least maxTokens (${o.maxTokens}); received ${contextSize}`);
    }
    const child = spawn(bin, [modelPath, String(o.threads), String(contextSize)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ref = new ReferenceTg(child, o.maxTokens);
    const spawned = new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!(await spawned)) throw new LoomError('NOT_FOUND', `${bin} could not start: ${ref.stderr}`);
    let first: string;
    try {
      first = await ref.nextLine();
    } catch (err) {
      child.kill();
      throw err;
    }
    if (first !== 'ready') {
      child.kill();
      throw new LoomError('INTERNAL', `loom-ref-tg did not start: ${ref.stderr.trim() || first}`);
    }
    return ref;
  }

  private async nextLine(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) {
      await this.ended; // stderr's last words arrive after stdout ends
      throw new LoomError('INTERNAL', `loom-ref-tg exited: ${this.stderr.trim() || 'no output'}`);
    }
    return r.value;
  }

  /**
   * Decodes `tokens` tokens one at a time from an empty cache, starting from BOS: llama-bench's tg
   * test (random next tokens, no logits read), or with `greedy` a greedy generation through
   * llama.cpp's own sampler. Resolves with tokens per second and, for greedy, the last token picked.
   */
  async run(tokens: number, o: { greedy?: boolean } = {}): Promise<{ tokensPerSecond: number; lastToken: number }> {
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > this.maxTokens) {
      throw new RangeError(`tokens must be an integer in [1, ${this.maxTokens}]; received ${tokens}`);
    }
    if (this.closed) throw new LoomError('DISPOSED', 'loom-ref-tg has been closed');
    this.child.stdin.write(o.greedy ? `${tokens} greedy\n` : `${tokens}\n`);
    const line = await this.nextLine();
    const m = /^(\d+) (-?\d+)$/.exec(line);
    if (!m || !(Number(m[1]) > 0)) throw new LoomError('INTERNAL', `loom-ref-tg printed no timing: ${this.stderr.trim() || line}`);
    return { tokensPerSecond: (tokens * 1e9) / Number(m[1]), lastToken: Number(m[2]) };
  }

  /** Ends the process (end of input) and waits for it to exit. */
  async close(): Promise<void> {
    this.closed = true;
    this.child.stdin.end();
    await this.ended;
  }
}
