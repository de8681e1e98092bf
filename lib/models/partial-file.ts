// File-system steps of a download: measuring and hashing what is already on disk, and making the
// finished file durable before it takes its final name.
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Hash } from 'node:crypto';

/** Size of a file in bytes, or 0 when it does not exist. */
export async function sizeOrZero(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** True when `file` exists and is a regular file. */
export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Feeds the first `bytes` bytes of `file` into `hash` (the prefix a resumed download continues from). */
export async function hashFilePrefix(file: string, bytes: number, hash: Hash): Promise<void> {
  if (bytes === 0) return;
  const stream = createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

/** Reads up to `count` bytes from the start of `file`. */
export async function readHead(file: string, count: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(count);
    const { bytesRead } = await fh.read(buf, 0, count, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Writes the whole chunk; `FileHandle.write` may write less than asked. */
export async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Flushes a file's data to the disk so a crash right after the rename cannot leave a hole. */
export async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Flushes a folder's entries so a rename inside it survives a crash. Best effort: Windows cannot
 * open folders this way, and some file systems refuse; the data itself is already synced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Nothing to do: durability of the folder entry is an optimisation, not a correctness need.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
