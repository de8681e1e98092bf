/**
 * Incremental UTF-8 decoder for token bytes: `push` returns only complete characters and holds back
 * an unfinished multi-byte sequence until the next push (a token may end mid-character). Malformed
 * input becomes U+FFFD following the WHATWG Encoding Standard's decoder (the same output as
 * `TextDecoder` in streaming mode), so decoding in pieces equals decoding at once.
 *
 * The state is a handful of numbers, so {@link clone} is cheap: beam search tracks one decoder per beam.
 */
export class Utf8Stream {
  private codePoint = 0;
  private bytesSeen = 0;
  private bytesNeeded = 0;
  private lower = 0x80;
  private upper = 0xbf;
  /** Bytes of an unfinished character currently held back. */
  get pendingBytes(): number {
    return this.bytesNeeded === 0 ? 0 : this.bytesSeen + 1;
  }

  /** Decodes `bytes`, returning the characters completed by them. */
  push(bytes: Uint8Array): string {
    let out = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.bytesNeeded === 0) {
        if (b <= 0x7f) out += String.fromCharCode(b);
        else if (b >= 0xc2 && b <= 0xdf) this.start(1, b & 0x1f);
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
          this.start(2, b & 0xf);
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
          this.start(3, b & 0x7);
        } else out += '\uFFFD';
        continue;
      }
      if (b < this.lower || b > this.upper) {
        // The unfinished sequence is malformed: emit one replacement and reprocess this byte.
        this.resetSequence();
        out += '\uFFFD';
        i--;
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (b & 0x3f);
      this.bytesSeen++;
      if (this.bytesSeen === this.bytesNeeded) {
        out += String.fromCodePoint(this.codePoint);
        this.resetSequence();
      }
    }
    return out;
  }

  /** Ends the stream: a held-back partial character becomes U+FFFD. Returns that text ('' if none). */
  flush(): string {
    if (this.bytesNeeded === 0) return '';
    this.resetSequence();
    return '\uFFFD';
  }

  /** An independent copy of the decoder state. */
  clone(): Utf8Stream {
    const c = new Utf8Stream();
    c.codePoint = this.codePoint;
    c.bytesSeen = this.bytesSeen;
    c.bytesNeeded = this.bytesNeeded;
    c.lower = this.lower;
    c.upper = this.upper;
    return c;
  }

  private start(needed: number, bits: number): void {
    this.bytesNeeded = needed;
    this.codePoint = bits;
    this.bytesSeen = 0;
  }

  private resetSequence(): void {
    this.codePoint = 0;
    this.bytesSeen = 0;
    this.bytesNeeded = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
}
