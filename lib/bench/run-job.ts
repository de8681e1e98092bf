// Runs a job in a fresh Node.js process (its load time, memory and JIT are its own) or inline.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LoomError } from '../errors.js';
import { RESULT_MARKER, type JobResult, type JobSpec } from './job.js';
import { runProcess } from './process-run.js';
import { runJobInline } from './worker.js';

/** Path of the compiled worker next to this module (absent when running from TypeScript sources). */
export function workerScript(): string {
  return fileURLToPath(new URL('./worker.js', import.meta.url));
}

/** Whether jobs can run in child processes (the compiled worker exists). */
export function canIsolate(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(workerScript());
}

/** Runs `spec` in a child process when `isolate`, else in this one. */
export async function runJob(spec: JobSpec, isolate: boolean, timeoutMs = 300_000): Promise<JobResult> {
  if (!isolate) return runJobInline(spec);
  const r = await runProcess(process.execPath, [workerScript(), JSON.stringify(spec)], { timeoutMs });
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (r.code !== 0 || !line) {
    const why = r.signal === 'SIGKILL' ? `took longer than ${timeoutMs / 1000} s and was stopped` : r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
    throw new LoomError('INTERNAL', `the ${spec.contender} benchmark job ${why}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return JSON.parse(line.slice(RESULT_MARKER.length)) as JobResult;
}
