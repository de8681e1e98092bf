/**
 * Turns a stream of byte chunks (token pieces) into text, holding back a UTF-8 sequence until its
 * last byte arrives so a character split across tokens is never emitted as U+FFFD halves.
 */
export class Utf8Stream {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  /** Adds bytes; returns the text completed by them (possibly empty). */
  push(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, { stream: true });
  }

  /** Ends the stream: a dangling partial sequence becomes U+FFFD. */
  flush(): string {
    return this.decoder.decode();
  }
}
