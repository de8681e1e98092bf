import type { FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 1 << 20;

/**
 * Forward-only buffered reader over an open file, little-endian. Every read first checks the
 * bytes left in the file, so a hostile length can never make it allocate more than the file holds.
 */
export class FileCursor {
  private buf: Buffer = Buffer.alloc(0);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, 0);
  /** File offset of buf[0]. */
  private bufStart = 0;
  /** Read position inside buf. */
  private pos = 0;
  /** Valid bytes in buf. */
  private end = 0;

  constructor(
    private readonly fh: FileHandle,
    /** Total size of the file in bytes. */
    readonly fileSize: number,
    /** Raises the caller's error; called with a description of what could not be read. */
    private readonly fail: (what: string) => never,
  ) {}

  /** Absolute file offset of the next byte to read. */
  get offset(): number {
    return this.bufStart + this.pos;
  }

  /** Bytes between the read position and the end of the file. */
  get remaining(): number {
    return this.fileSize - this.offset;
  }

  /** Makes `n` bytes available to the synchronous getters; fails if the file is shorter. */
  async need(n: number, what: string): Promise<void> {
    if (this.end - this.pos >= n) return;
    if (n > this.remaining) this.fail(`unexpected end of file reading ${what} (needs ${n} bytes at offset ${this.offset}, ${this.remaining} left)`);
    const keep = this.end - this.pos;
    const want = Math.min(Math.max(n, CHUNK_BYTES), this.remaining);
    if (this.buf.length < want) {
      const bigger = Buffer.allocUnsafe(want);
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.bufStart += this.pos;
    this.pos = 0;
    this.end = keep;
    while (this.end < want) {
      const { bytesRead } = await this.fh.read(this.buf, this.end, want - this.end, this.bufStart + this.end);
      if (bytesRead === 0) this.fail(`file shrank while reading ${what}`);
      this.end += bytesRead;
    }
  }

  /** Advances past `n` bytes without keeping them. */
  async skip(n: number, what: string): Promise<void> {
    if (n > this.remaining) this.fail(`unexpected end of file skipping ${what} (${n} bytes at offset ${this.offset}, ${this.remaining} left)`);
    const buffered = this.end - this.pos;
    if (n <= buffered) {
      this.pos += n;
      return;
    }
    this.bufStart += this.pos + n;
    this.pos = 0;
    this.end = 0;
  }

  /** Bytes buffered ahead of the read position. */
  get buffered(): number {
    return this.end - this.pos;
  }

  /**
   * Reads a length-prefixed UTF-8 string when it is entirely buffered and its length fits the
   * file; otherwise reads nothing and returns undefined (the caller takes the checked slow path).
   */
  tryString(): string | undefined {
    if (this.end - this.pos < 8) return undefined;
    const lo = this.view.getUint32(this.pos, true), hi = this.view.getUint32(this.pos + 4, true);
    if (hi !== 0 || lo > this.end - this.pos - 8) return undefined;
    const s = this.buf.toString('utf8', this.pos + 8, this.pos + 8 + lo);
    this.pos += 8 + lo;
    return s;
  }

  /** Copies `n` already-`need`ed bytes out of the buffer. */
  takeBytes(n: number): Uint8Array {
    const out = Uint8Array.prototype.slice.call(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Decodes `n` already-`need`ed bytes as UTF-8. */
  takeUtf8(n: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  u8(): number { return this.view.getUint8(this.pos++); }
  i8(): number { return this.view.getInt8(this.pos++); }
  u16(): number { const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  i16(): number { const v = this.view.getInt16(this.pos, true); this.pos += 2; return v; }
  u32(): number { const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  f32(): number { const v = this.view.getFloat32(this.pos, true); this.pos += 4; return v; }
  f64(): number { const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
  u64(): bigint { const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return v; }
  i64(): bigint { const v = this.view.getBigInt64(this.pos, true); this.pos += 8; return v; }
}
