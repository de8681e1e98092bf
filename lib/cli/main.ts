#!/usr/bin/env node
// The `llama-loom` command: dispatches to one module per sub-command.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isLoomError } from '../errors.js';
import { UsageError, type CliIo, type Command } from './command.js';
import { generateCommand } from './commands/generate.js';
import { inspectCommand } from './commands/inspect.js';
import { pullCommand } from './commands/pull.js';
import { modelsCommand } from './commands/models.js';
import { bleuCommand } from './commands/bleu.js';
import { chrfCommand } from './commands/chrf.js';
import { rougeCommand } from './commands/rouge.js';
import { perplexityCommand } from './commands/perplexity.js';
import { evalCommand } from './commands/eval.js';
import { benchCommand } from './commands/bench.js';

export const COMMANDS: Command[] = [
  generateCommand, perplexityCommand, evalCommand, benchCommand, inspectCommand, pullCommand, modelsCommand, bleuCommand, chrfCommand, rougeCommand,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: llama-loom <command> [options]   (llama-loom <command> --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options: -h/--help, -v/--version',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`llama-loom: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`llama-loom ${name}: ${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    if (isLoomError(err) || err instanceof TypeError || err instanceof RangeError) {
      io.stderr.write(`llama-loom ${name}: ${(err as Error).message}${isLoomError(err) ? ` [${err.code}]` : ''}\n`);
      return 1;
    }
    io.stderr.write(`llama-loom ${name}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, isTTY: Boolean(process.stderr.isTTY) };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
