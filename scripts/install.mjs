#!/usr/bin/env node
// npm's install hook: compiles the addon from the bundled llama.cpp sources unless a usable
// binary is already there. LLAMA_LOOM_SKIP_BUILD=1 skips it (e.g. when packaging prebuilt binaries).
import { build } from './build.mjs';

if (['1', 'true'].includes(String(process.env.LLAMA_LOOM_SKIP_BUILD || '').toLowerCase())) {
  console.log('llama-loom: LLAMA_LOOM_SKIP_BUILD set, not building the native addon');
} else {
  try {
    build([]);
  } catch (err) {
    console.error(`\nllama-loom: building the native addon failed: ${err.message}`);
    console.error('Needs: CMake >= 3.18, a C++17 compiler, git. Retry with: npm run build');
    process.exit(1);
  }
}
