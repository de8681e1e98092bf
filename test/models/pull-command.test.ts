import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';

import { UsageError, type CliIo } from '../../lib/cli/command.js';
import { modelsCommand } from '../../lib/cli/commands/models.js';
import { pullCommand } from '../../lib/cli/commands/pull.js';
import { fakeGguf, serveWithRanges, sha256Hex, startLocalServer, type LocalServer } from './local-server.js';

function captureIo(isTTY = false): CliIo & { out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) => new Writable({
    write(chunk, _enc, done) {
      into.push(String(chunk));
      done();
    },
  });
  return {
    stdout: sink(chunks.out),
    stderr: sink(chunks.err),
    stdin: Readable.from([]),
    isTTY,
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}

const PAYLOAD = fakeGguf(200_000);
const PAYLOAD_SHA = sha256Hex(PAYLOAD);

let server: LocalServer;
let dir: string;

beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loom-cli-pull-'));
  server.handle((req, res) => serveWithRanges(req, res, PAYLOAD));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('llama-loom pull', () => {
  test('--json prints the result on stdout and one progress line on stderr', async () => {
    const io = captureIo(false);
    const code = await pullCommand.run([server.url('/q/model-q4.gguf'), '--dir', dir, '--sha256', PAYLOAD_SHA, '--json'], io);
    expect(code).toBe(0);
    const expectedPath = path.join(dir, 'model-q4.gguf');
    expect(JSON.parse(io.out())).toEqual({ path: expectedPath, size: PAYLOAD.length, sha256: PAYLOAD_SHA, resumed: false });
    expect((await readFile(expectedPath)).equals(PAYLOAD)).toBe(true);
    const lines = io.err().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^model-q4\.gguf 100% 195 KiB in \d+s \(/);
    expect(io.err()).not.toContain('\r');
  });

  test('without --json prints the path; --name chooses the file name', async () => {
    const io = captureIo(true);
    const code = await pullCommand.run([server.url('/x/y.gguf'), '--dir', dir, '--name', 'renamed.gguf'], io);
    expect(code).toBe(0);
    expect(io.out()).toBe(path.join(dir, 'renamed.gguf') + '\n');
    // On a terminal the bar redraws in place and the last draw ends the line.
    expect(io.err().startsWith('\r')).toBe(true);
    expect(io.err().endsWith('\n')).toBe(true);
  });

  test('a second pull finds the file already there', async () => {
    await pullCommand.run([server.url('/m.gguf'), '--dir', dir], captureIo());
    const io = captureIo();
    expect(await pullCommand.run([server.url('/m.gguf'), '--dir', dir], io)).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(io.err()).toContain('already present');
    expect(io.out()).toBe(path.join(dir, 'm.gguf') + '\n');
  });

  test('a download failure exits 1 with the error on stderr', async () => {
    server.handle((_req, res) => {
      res.writeHead(404).end();
    });
    const io = captureIo();
    expect(await pullCommand.run([server.url('/gone.gguf'), '--dir', dir], io)).toBe(1);
    expect(io.err()).toMatch(/^error: download failed: HTTP 404/m);
    expect(io.out()).toBe('');
    expect(existsSync(path.join(dir, 'gone.gguf'))).toBe(false);
  });

  test('usage mistakes are UsageErrors', async () => {
    const io = captureIo();
    await expect(pullCommand.run([], io)).rejects.toThrow(UsageError);
    await expect(pullCommand.run(['a', 'b'], io)).rejects.toThrow(/exactly one URL/);
    await expect(pullCommand.run([server.url('/m.gguf'), '--sha256', 'nothex'], io)).rejects.toThrow(/--sha256 must be a SHA-256 digest of 64 hex digits/);
    await expect(pullCommand.run([server.url('/m.gguf'), '--bogus'], io)).rejects.toThrow(UsageError);
    await expect(pullCommand.run(['hf:only-owner/file.gguf'], io)).rejects.toThrow(UsageError);
    await expect(pullCommand.run(['ftp://host/m.gguf'], io)).rejects.toThrow(UsageError);
    await expect(pullCommand.run([server.url('/m.gguf'), '--name', 'a/b.gguf'], io)).rejects.toThrow(/--name/);
    expect(server.requests).toHaveLength(0);
  });

  test('--help prints the usage', async () => {
    const io = captureIo();
    expect(await pullCommand.run(['--help'], io)).toBe(0);
    expect(io.out()).toBe(pullCommand.usage + '\n');
  });
});

describe('llama-loom models', () => {
  test('lists what pull downloaded, as a table and as JSON', async () => {
    await pullCommand.run([server.url('/b-model.gguf'), '--dir', dir], captureIo());
    await pullCommand.run([server.url('/a-model.gguf'), '--dir', dir], captureIo());

    const table = captureIo();
    expect(await modelsCommand.run(['--dir', dir], table)).toBe(0);
    const rows = table.out().trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+SIZE\s+PATH$/);
    expect(rows.slice(1).map((r) => r.split(/\s{2,}/))).toEqual([
      ['a-model.gguf', '195 KiB', path.join(dir, 'a-model.gguf')],
      ['b-model.gguf', '195 KiB', path.join(dir, 'b-model.gguf')],
    ]);

    const json = captureIo();
    expect(await modelsCommand.run(['--dir', dir, '--json'], json)).toBe(0);
    const listed = JSON.parse(json.out()) as { name: string; size: number; path: string; modifiedAt: string }[];
    expect(listed.map((m) => [m.name, m.size])).toEqual([['a-model.gguf', PAYLOAD.length], ['b-model.gguf', PAYLOAD.length]]);
    expect(Number.isNaN(Date.parse(listed[0]!.modifiedAt))).toBe(false);
  });

  test('an empty cache says so', async () => {
    const io = captureIo();
    expect(await modelsCommand.run(['--dir', dir], io)).toBe(0);
    expect(io.out()).toBe(`No models in ${dir}\n`);
    await expect(modelsCommand.run(['extra'], io)).rejects.toThrow(UsageError);
  });
});
