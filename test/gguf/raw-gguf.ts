// A deliberately naive GGUF byte builder for tests, written straight from the format description
// in ggml/include/gguf.h, independent of lib/gguf/writer.ts. It writes whatever it is told, so
// tests can produce malformed files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Raw {
  private parts: Buffer[] = [];

  u8(v: number): this { const b = Buffer.alloc(1); b.writeUInt8(v); return this.push(b); }
  u32(v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v); return this.push(b); }
  i32(v: number): this { const b = Buffer.alloc(4); b.writeInt32LE(v); return this.push(b); }
  u64(v: bigint | number): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return this.push(b); }
  i64(v: bigint | number): this { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); return this.push(b); }
  f32(v: number): this { const b = Buffer.alloc(4); b.writeFloatLE(v); return this.push(b); }
  str(s: string): this { const b = Buffer.from(s, 'utf8'); return this.u64(b.length).push(b); }
  bytes(b: Uint8Array | number[]): this { return this.push(Buffer.from(b as Uint8Array)); }
  zeros(n: number): this { return this.push(Buffer.alloc(n)); }
  /** Pads with zeros to a multiple of `a`. */
  align(a: number): this { return this.zeros((a - (this.length % a)) % a); }
  get length(): number { return this.parts.reduce((n, p) => n + p.length, 0); }
  build(): Buffer { return Buffer.concat(this.parts); }
  private push(b: Buffer): this { this.parts.push(b); return this; }

  /** GGUF header: magic, version, tensor count, kv count. */
  static header(nTensors: number | bigint, nKv: number | bigint, version = 3): Raw {
    return new Raw().bytes([0x47, 0x47, 0x55, 0x46]).u32(version).u64(nTensors).u64(nKv);
  }
}

/** GGUF value type ids (gguf.h). */
export const T = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12 } as const;
/** ggml type ids (ggml.h). */
export const G = { f32: 0, f16: 1, q4_0: 2, q8_0: 8 } as const;

// One scratch directory per test file (jest gives each file its own module instance).
const dir = mkdtempSync(join(tmpdir(), 'loom-gguf-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** Writes bytes to a fresh temporary file and returns its path. */
export function tempFile(bytes: Uint8Array, name = 'file'): string {
  const path = join(dir, `${name}-${counter++}.gguf`);
  writeFileSync(path, bytes);
  return path;
}

/** A fresh temporary path (not created). */
export function tempPath(name = 'out'): string {
  return join(dir, `${name}-${counter++}.gguf`);
}
