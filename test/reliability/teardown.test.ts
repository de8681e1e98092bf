// A process that exits with contexts it never disposed exits cleanly: no abort in Node's teardown
// of the decode threads' and the logger's thread-safe functions (a context finalized after Node
// closed its decode thread's function used to end in SIGABRT, exit code 134), with a logger set,
// and when process.exit() comes in the middle of an inline generation. process.exit() while a
// decode runs off the JS thread still crashes: see the known-bug tests at the end.
//
// Each case runs in a child Node process importing the built library (dist/, rebuilt first when
// lib/ is newer), because what is tested is how the process ends.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import { ensureDist } from './dist.js';

const MODEL = join(repoRoot, 'models', 'llama-loom-brown-4m-f16.gguf');
const DIST_INDEX = pathToFileURL(join(repoRoot, 'dist', 'index.js')).href;

// argv: [node, dist index URL, model path, mode, inlineDecodeMs]
const CHILD = `
const [, lib, modelPath, mode, inlineMs] = process.argv;
const { generate, loadModel, setLogger } = await import(lib);
const inlineDecodeMs = Number(inlineMs);
let lines = 0;
if (mode === 'logger') setLogger(() => { lines++; }, 'debug');
const model = await loadModel(modelPath);
const a = await model.createContext({ contextSize: 2048, batchSize: 512, threads: 2, inlineDecodeMs });
const b = await model.createContext({ contextSize: 256, threads: 2, inlineDecodeMs });
const exitNow = (where) => { console.log('exiting ' + where); process.exit(0); };
if (mode === 'exit-during-steps') {
  let steps = 0;
  await generate(a, [1], { maxNewTokens: 1000, minNewTokens: 1000 }, () => {
    if (++steps === 20) setTimeout(() => exitNow('at step ' + steps), 15);
  });
  console.log('generation finished before the exit');
  process.exit(3);
}
if (mode === 'exit-during-prompt') {
  // 1 800 prompt tokens in batches of 512: hundreds of milliseconds of decoding.
  const prompt = Array.from({ length: 1800 }, (_, i) => 10 + (i % 1000));
  setTimeout(() => exitNow('during the prompt'), 20);
  await generate(a, prompt, { maxNewTokens: 4 });
  console.log('generation finished before the exit');
  process.exit(3);
}
const ra = await generate(a, [1], { maxNewTokens: 4 });
const rb = await generate(b, [1], { maxNewTokens: 4 });
console.log('generated ' + ra.tokens.length + ' ' + rb.tokens.length);
if (mode === 'logger') console.log('log lines ' + lines);
if (mode === 'exit-call') process.exit(0);
// otherwise: nothing disposed, nothing pending; the process ends by itself
`;

interface ChildRun { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function runChild(mode: string, inlineDecodeMs: number): ChildRun {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, DIST_INDEX, MODEL, mode, String(inlineDecodeMs)], {
    cwd: repoRoot, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL',
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code 0, no signal, nothing on stderr that looks like a native crash. */
function expectCleanExit(r: ChildRun): void {
  const report = `status ${r.status}, signal ${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  if (r.status !== 0 || r.signal !== null) throw new Error(`the child did not exit cleanly: ${report}`);
  expect(r.stderr).not.toMatch(/Aborted|Segmentation fault|GGML_ASSERT|GGML_ABORT|FATAL ERROR|napi_release_threadsafe_function|terminate called/);
}

beforeAll(() => { ensureDist(repoRoot); }, 120_000);

describe.each([['off-thread', 0], ['inline', 1000], ['default', 1.5]] as const)('%s decodes', (_name, inlineDecodeMs) => {
  test('two used contexts, never disposed: the process ends by itself with exit code 0', () => {
    const r = runChild('plain', inlineDecodeMs);
    expectCleanExit(r);
    expect(r.stdout).toContain('generated 4 4');
  });

  test('the same ending in process.exit(0)', () => {
    const r = runChild('exit-call', inlineDecodeMs);
    expectCleanExit(r);
    expect(r.stdout).toContain('generated 4 4');
  });

  test('the same with a logger set that receives llama.cpp lines', () => {
    const r = runChild('logger', inlineDecodeMs);
    expectCleanExit(r);
    expect(r.stdout).toContain('generated 4 4');
    const lines = Number(/log lines (\d+)/.exec(r.stdout)?.[1]);
    expect(lines).toBeGreaterThan(0);
  });
});

test('process.exit() from a timer during an inline generation exits with code 0', () => {
  for (let i = 0; i < 3; i++) {
    const r = runChild('exit-during-steps', 1000);
    expectCleanExit(r);
    expect(r.stdout).toContain('exiting at step');
    expect(r.stdout).not.toContain('generation finished');
  }
});

// process.exit() while a decode runs on a context's decode thread: exit() runs the C++ static
// destructors, and ggml's (its CPU buffer types) used to be destroyed under the running decode
// (SIGSEGV, or GGML_ABORT "pre-allocated tensor … cannot run the operation"). The addon now stops
// and joins its decode threads from an atexit handler registered after ggml's statics exist. A
// long prompt makes the decode outlast Node's exit path every time; prompts are evaluated off
// the JS thread whatever inlineDecodeMs says.
describe.each([['off-thread', 0], ['inline', 1000]] as const)('%s decodes', (_name, inlineDecodeMs) => {
  test('process.exit() from a timer while generate() evaluates a long prompt exits with code 0', () => {
    for (let i = 0; i < 2; i++) {
      const r = runChild('exit-during-prompt', inlineDecodeMs);
      expectCleanExit(r);
      expect(r.stdout).toContain('exiting during the prompt');
    }
  });
});
