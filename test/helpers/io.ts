// In-memory streams for driving CLI commands in-process.
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../lib/cli/command.js';

export function memoryIo(stdin = ''): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c) => (o += c));
  stderr.on('data', (c) => (e += c));
  return { io: { stdout, stderr, stdin: Readable.from([stdin]), isTTY: false }, out: () => o, err: () => e };
}
