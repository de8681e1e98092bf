// llama-bench's tg test in a process that stays loaded (`build/bin/loom-ref-tg`, built from the
// same llama.cpp tree, no llama-loom code), so the bench can alternate it with llama-loom's own
// generations many times within seconds. This VM's speed drifts by up to 2× between turns tens of
// seconds apart, and a fresh llama-bench process per pair was too coarse to settle a few per cent.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LoomError } from '../errors.js';

/** A running `loom-ref-tg`: one model loaded, its threadpool parked between turns. */
export class ReferenceTg {
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly maxTokens: number) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { this.stderr = (this.stderr + d).slice(-2000); });
  }

  /**
   * Starts `bin` on `modelPath` with llama-bench's tg settings (context of `maxTokens`, `threads`
   * threads) and waits until it has loaded the model and decoded one warm-up token.
   */
  static async start(bin: string, modelPath: string, o: { threads: number; maxTokens: number }): Promise<ReferenceTg> {
    const child = spawn(bin, [modelPath, String(o.threads), String(o.maxTokens)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ref = new ReferenceTg(child, o.maxTokens);
    const spawned = new Promise<never>((_, reject) => child.once('error', (err) => reject(new LoomError('NOT_FOUND', `${bin} could not start: ${err.message}`))));
    const first = await Promise.race([ref.nextLine(), spawned]);
    if (first !== 'ready') {
      child.kill();
      throw new LoomError('INTERNAL', `loom-ref-tg did not start: ${ref.stderr.trim() || first}`);
    }
    return ref;
  }

  private async nextLine(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new LoomError('INTERNAL', `loom-ref-tg exited: ${this.stderr.trim() || 'no output'}`);
    return r.value;
  }

  /** Decodes `tokens` tokens one at a time from an empty cache; resolves with tokens per second. */
  async run(tokens: number): Promise<number> {
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > this.maxTokens) {
      throw new RangeError(`tokens must be an integer in [1, ${this.maxTokens}]; received ${tokens}`);
    }
    this.child.stdin.write(`${tokens}\n`);
    const ns = Number(await this.nextLine());
    if (!(ns > 0)) throw new LoomError('INTERNAL', `loom-ref-tg printed no timing: ${this.stderr.trim()}`);
    return (tokens * 1e9) / ns;
  }

  /** Ends the process (end of input) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await exited;
  }
}
