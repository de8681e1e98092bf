#!/usr/bin/env node
// `npm run bench` entry: the `llama-loom bench` command without going through the CLI registry.
import { benchCommand } from '../cli/commands/bench.js';

const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, isTTY: Boolean(process.stderr.isTTY) };
benchCommand.run(process.argv.slice(2), io).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`llama-loom bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
