import { Utf8Stream } from './utf8-stream.js';

/** Where a stop string was found in the generated text. */
export interface StopMatch {
  /** The stop string that matched (the earliest-starting one when several did). */
  stop: string;
  /**
   * UTF-16 code units to remove from the end of the text decoded from all generated tokens
   * (held-back partial bytes flushed as U+FFFD) so that the text ends right before the stop string.
   */
  trimChars: number;
}

/**
 * Watches the text of one generated sequence for stop strings, across token boundaries: token bytes
 * go through a {@link Utf8Stream}, and only a tail as long as the longest stop string is kept, so
 * each step costs O(stop length) rather than O(text length). {@link clone} forks it for beams.
 */
export class StopStringMatcher {
  private readonly stops: readonly string[];
  private readonly keep: number;
  private decoder = new Utf8Stream();
  private tail = '';
  /** Characters emitted so far (complete characters only). */
  emitted = 0;

  constructor(stops: readonly string[]) {
    this.stops = stops;
    this.keep = Math.max(0, ...stops.map((s) => s.length)) - 1;
  }

  /** Feeds one token's bytes; returns the match completed by them, if any. */
  push(bytes: Uint8Array): StopMatch | undefined {
    const text = this.decoder.push(bytes);
    if (text.length === 0) return undefined;
    const window = this.tail + text;
    const windowStart = this.emitted - this.tail.length;
    this.emitted += text.length;
    let best = -1;
    let bestStop = '';
    for (const s of this.stops) {
      const at = window.indexOf(s);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
        bestStop = s;
      }
    }
    this.tail = this.keep > 0 ? window.slice(-this.keep) : '';
    if (best < 0) return undefined;
    const flushed = this.decoder.pendingBytes > 0 ? 1 : 0;
    return { stop: bestStop, trimChars: this.emitted + flushed - (windowStart + best) };
  }

  /**
   * Length of the longest suffix of the text so far that could still grow into a stop string:
   * streaming output should hold that many trailing characters back.
   */
  pendingPrefixLength(): number {
    let longest = 0;
    for (const s of this.stops) {
      for (let len = Math.min(s.length - 1, this.tail.length); len > longest; len--) {
        if (this.tail.endsWith(s.slice(0, len))) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }

  /** An independent copy (beam search forks one per surviving candidate). */
  clone(): StopStringMatcher {
    const c = new StopStringMatcher(this.stops);
    c.decoder = this.decoder.clone();
    c.tail = this.tail;
    c.emitted = this.emitted;
    return c;
  }
}
