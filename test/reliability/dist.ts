// Child processes import the built library (dist/), which must reflect the current lib/ sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Runs `tsc -p tsconfig.build.json` (what `npm run build:ts` does) when dist/index.js is missing or
 * older than any lib/ source. tsc emits even when other files fail to type-check, so only a
 * missing dist/index.js afterwards is an error.
 */
export function ensureDist(repoRoot: string): void {
  const index = join(repoRoot, 'dist', 'index.js');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(repoRoot, 'lib'))) return;
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: repoRoot, stdio: 'pipe',
    });
  } catch (err) {
    if (!existsSync(index)) throw err;
  }
}
