import { parseContentRange } from '../../lib/models/content-range.js';

// Header values from RFC 9110 §14.4 ("Content-Range") and its examples.
describe('parseContentRange', () => {
  test('a satisfied byte range', () => {
    expect(parseContentRange('bytes 42-1233/1234')).toEqual({ kind: 'range', first: 42, last: 1233, complete: 1234 });
    expect(parseContentRange('bytes 21010-47021/47022')).toEqual({ kind: 'range', first: 21010, last: 47021, complete: 47022 });
  });

  test('an unknown complete length', () => {
    expect(parseContentRange('bytes 42-1233/*')).toEqual({ kind: 'range', first: 42, last: 1233, complete: undefined });
  });

  test('an unsatisfied range (416)', () => {
    expect(parseContentRange('bytes */1234')).toEqual({ kind: 'unsatisfied', complete: 1234 });
  });

  test('invalid values are rejected', () => {
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange('')).toBeUndefined();
    expect(parseContentRange('items 0-1/2')).toBeUndefined();
    // last-pos before first-pos, and last-pos not below the complete length, are invalid per the RFC.
    expect(parseContentRange('bytes 1233-42/1234')).toBeUndefined();
    expect(parseContentRange('bytes 0-1234/1234')).toBeUndefined();
    expect(parseContentRange('bytes 0-/1234')).toBeUndefined();
  });
});
