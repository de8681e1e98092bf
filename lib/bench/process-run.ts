// Runs a child process to completion, keeping its output and its peak resident memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What {@link runProcess} observed. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set size in bytes (Linux: VmHWM read while it runs), null where unknown. */
  peakRssBytes: number | null;
}

/** The high-water mark of a live process's resident memory, from /proc (Linux only). */
function readHighWaterMark(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Spawns `command` with `args` and resolves when it exits (never rejects for a non-zero exit:
 * the caller decides). The peak RSS is sampled every 20 ms: VmHWM only grows, so the last
 * reading before exit is the peak up to ~20 ms before the end, when memory no longer grows.
 */
export function runProcess(command: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    let peak: number | null = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      const hwm = readHighWaterMark(child.pid);
      if (hwm !== null) peak = Math.max(peak ?? 0, hwm);
    }, 20);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (err) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - t0, peakRssBytes: peak });
    });
  });
}
