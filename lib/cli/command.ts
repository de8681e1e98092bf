import type { Readable, Writable } from 'node:stream';

/** Streams a command talks to; tests pass their own. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** Whether stdout/stderr are terminals (progress bars draw only then). */
  isTTY: boolean;
}

/** One `llama-loom <name>` sub-command. `run` resolves to the process exit code. */
export interface Command {
  name: string;
  /** One line for `llama-loom --help`. */
  summary: string;
  /** Full usage text for `llama-loom <name> --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage mistake: the CLI prints the message and the command's usage, and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
