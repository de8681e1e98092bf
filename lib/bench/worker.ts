// Process entry of one benchmark job: `node worker.js '<JobSpec JSON>'` prints one result line.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RESULT_MARKER, type JobResult, type JobSpec } from './job.js';

/** Runs a job in this process, dispatching on its contender. */
export async function runJobInline(spec: JobSpec): Promise<JobResult> {
  if (spec.contender === 'llama-loom') return (await import('./loom-job.js')).runLoomJob(spec);
  return (await import('./node-llama-cpp-job.js')).runNodeLlamaCppJob(spec);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as JobSpec;
  const result = await runJobInline(spec);
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (entry === realpathSync(fileURLToPath(import.meta.url))) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
