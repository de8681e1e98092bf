// Before any test: make sure the addon and the llama.cpp reference tools the tests compare
// against exist (first run after a fresh `npm install` builds the tools incrementally).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, REFERENCE_TARGETS } from './build.mjs';

export default async function globalSetup() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const bin = join(root, 'build', 'bin');
  const missing = !existsSync(join(root, 'build', 'Release', 'llama_loom.node')) ||
    REFERENCE_TARGETS.some((t) => !existsSync(join(bin, t)));
  if (missing) build(['--reference']);
}
