// Streaming UTF-8 against the platform's WHATWG TextDecoder, stop-string matching across token
// boundaries, and xoshiro128** against outputs derived by hand from the published algorithm.
import { StopStringMatcher, Utf8Stream, Xoshiro128 } from '../../lib/decoding/index.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('Utf8Stream', () => {
  test('holds back a split character until it completes', () => {
    const d = new Utf8Stream();
    const euro = enc('€'); // E2 82 AC
    expect(d.push(Uint8Array.of(0x61, euro[0]!))).toBe('a');
    expect(d.pendingBytes).toBe(1);
    expect(d.push(euro.subarray(1, 2))).toBe('');
    expect(d.pendingBytes).toBe(2);
    expect(d.push(Uint8Array.of(euro[2]!, 0x62))).toBe('€b');
    expect(d.flush()).toBe('');
  });
  test('piecewise decoding equals TextDecoder on random bytes and random splits', () => {
    let seed = 99;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
    const samples = ['héllo wörld', '日本語のテキスト', 'emoji 😀🎉 mix', 'a\u0000b'].map(enc);
    for (let trial = 0; trial < 300; trial++) {
      let bytes: Uint8Array;
      if (trial < 100) bytes = samples[trial % samples.length]!;
      else {
        // Biased towards UTF-8 lead/continuation bytes to hit malformed sequences often.
        const pool = [0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
        bytes = Uint8Array.from({ length: 1 + rand(24) }, () => (rand(3) === 0 ? rand(256) : pool[rand(pool.length)]!));
      }
      const expected = new TextDecoder().decode(bytes);
      const d = new Utf8Stream();
      let out = '';
      for (let i = 0; i < bytes.length; ) {
        const len = 1 + rand(4);
        out += d.push(bytes.subarray(i, i + len));
        i += len;
      }
      out += d.flush();
      expect(out).toBe(expected);
    }
  });
  test('clone continues independently', () => {
    const d = new Utf8Stream();
    d.push(Uint8Array.of(0xe2, 0x82));
    const c = d.clone();
    expect(c.push(Uint8Array.of(0xac))).toBe('€');
    expect(d.push(Uint8Array.of(0x41))).toBe('\uFFFDA');
  });
});

describe('StopStringMatcher', () => {
  const feed = (m: StopStringMatcher, pieces: string[]) => pieces.map((p) => m.push(enc(p)));
  test('finds a stop string spread over several tokens and reports the trim', () => {
    const m = new StopStringMatcher(['lo w']);
    const r = feed(m, ['He', 'llo', ' wo', 'rld']);
    expect(r.slice(0, 2)).toEqual([undefined, undefined]);
    // text "Hello wo": the stop string starts at index 3, so 5 characters are trimmed → "Hel"
    expect(r[2]).toEqual({ stop: 'lo w', trimChars: 5 });
  });
  test('a multi-byte stop string split inside a character', () => {
    const m = new StopStringMatcher(['€']);
    const euro = enc('€');
    expect(m.push(Uint8Array.of(0x78, euro[0]!))).toBeUndefined();
    expect(m.push(Uint8Array.of(euro[1]!, euro[2]!, 0x79))).toEqual({ stop: '€', trimChars: 2 });
  });
  test('earliest match wins; held-back partial bytes count as one flushed character', () => {
    const m = new StopStringMatcher(['cd', 'bcd']);
    expect(m.push(Uint8Array.of(0x61, 0x62, 0x63, 0x64, 0xe2))).toEqual({ stop: 'bcd', trimChars: 4 });
  });
  test('pendingPrefixLength: how much text could still become a stop string', () => {
    const m = new StopStringMatcher(['###', 'END']);
    m.push(enc('abc #'));
    expect(m.pendingPrefixLength()).toBe(1);
    m.push(enc('#'));
    expect(m.pendingPrefixLength()).toBe(2);
    m.push(enc('x E'));
    expect(m.pendingPrefixLength()).toBe(1);
  });
});

describe('Xoshiro128 (xoshiro128**)', () => {
  test('known answers from state (1, 2, 3, 4)', () => {
    // out = rotl(s1·5, 7)·9: rotl(10, 7)·9 = 1280·9 = 11520; after one update s = (7, 0, 1026, 12288)
    // → out 0; then s = (12295, 1029, 1029, 25165824) → rotl(5145, 7)·9 = 658560·9 = 5927040
    const r = new Xoshiro128(0);
    r.setState(1, 2, 3, 4);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([11520, 0, 5927040]);
  });
  test('same seed same stream, different seeds differ, floats in [0, 1)', () => {
    const a = new Xoshiro128(42);
    const b = new Xoshiro128(42);
    const c = new Xoshiro128(43);
    const xa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xa);
    for (let i = 0; i < 1000; i++) {
      const f = a.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });
  test('seed validation', () => {
    expect(() => new Xoshiro128(-1)).toThrow(RangeError);
    expect(() => new Xoshiro128(1.5)).toThrow(RangeError);
  });
});
