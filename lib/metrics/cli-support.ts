// Pieces shared by the `bleu`, `chrf` and `rouge` CLI commands: argument parsing that turns
// every mistake into a UsageError, and loading a hypothesis file (or stdin) with its reference
// files as parallel segment lists.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Readable } from 'node:stream';
import { UsageError, type CliIo } from '../cli/command.js';
import { readSegments } from './segments.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type StrictConfig<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: true };

/** `parseArgs` in strict mode with positionals allowed; parse failures become UsageErrors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O): ReturnType<typeof parseArgs<StrictConfig<O>>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A numeric flag value: an integer (or any finite number) at least `min`, else a UsageError. */
export function parseNumberFlag(flag: string, raw: string, { integer = false, min = -Infinity } = {}): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  const ok = Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!ok) {
    const what = `${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}`;
    throw new UsageError(`${flag} must be ${what}; received ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Hypotheses with their reference streams (`references[k][i]`), all of equal length. */
export interface ParallelSegments {
  hypotheses: string[];
  references: string[][];
}

/** A problem with the input data (not with the command line): reported, exit status 1. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Checks the `-r` files and the optional hypothesis file (stdin when absent or "-"), then reads
 * them one segment per line and requires equal line counts.
 */
export async function loadParallelSegments(
  referencePaths: string[] | undefined,
  positionals: string[],
  stdin: Readable,
): Promise<ParallelSegments> {
  if (!referencePaths || referencePaths.length === 0) throw new UsageError('at least one reference file (-r FILE) is required');
  if (referencePaths.some((p) => p === '' || p === '-')) throw new UsageError('-r needs a file path (stdin is for the hypotheses)');
  if (positionals.length > 1) throw new UsageError(`expected at most one hypothesis file; received ${positionals.length}`);
  const hypothesisPath = positionals[0];
  const references: string[][] = [];
  for (const path of referencePaths) references.push(await readSegments(path, stdin));
  const hypotheses = await readSegments(hypothesisPath, stdin);
  const hypName = hypothesisPath === undefined || hypothesisPath === '-' ? 'the hypotheses on stdin' : `hypothesis file ${hypothesisPath}`;
  references.forEach((lines, k) => {
    if (lines.length !== hypotheses.length) {
      throw new InputError(`reference file ${referencePaths[k]} has ${lines.length} lines but ${hypName} has ${hypotheses.length}; ` +
        'each line must be one segment');
    }
  });
  if (hypotheses.length === 0) throw new InputError(`${hypName} has no lines to score`);
  return { hypotheses, references };
}

/** Usage mistakes propagate (the CLI prints usage, exit 2); anything else prints `error: …` and gives 1. */
export function reportFailure(io: CliIo, err: unknown): number {
  if (err instanceof UsageError) throw err;
  io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
