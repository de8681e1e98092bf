import {
  createProgressBar, formatBytes, formatDuration, formatProgressLine, formatRate, formatSummaryLine,
} from '../../lib/cli/progress.js';

// Expected strings are worked out by hand from the documented formats (binary units, 3 significant digits).
describe('formatBytes', () => {
  test.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [1000 * 1024, '1000 KiB'],
    [1024 * 1024 - 1, '1.00 MiB'], // 1023.999 KiB rounds to 1024 KiB, which is shown as the next unit
    [10 * 1024 * 1024, '10.0 MiB'],
    [150 * 1024 * 1024, '150 MiB'],
    [4.5 * 1024 ** 3, '4.50 GiB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  test('rejects negative and non-numbers', () => {
    expect(() => formatBytes(-1)).toThrow(RangeError);
    expect(() => formatBytes(NaN)).toThrow(TypeError);
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [59.4, '59s'],
    [59.6, '1m00s'],
    [187, '3m07s'],
    [7500, '2h05m'],
    [Infinity, '--'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test('rejects negative durations', () => {
    expect(() => formatDuration(-1)).toThrow(/^seconds must be a number in \[0, /);
  });
});

test('formatRate', () => {
  expect(formatRate(262144, 'bytes')).toBe('256 KiB/s');
  expect(formatRate(3.14159, 'items')).toBe('3.14 it/s');
  expect(formatRate(31.25, 'items')).toBe('31.3 it/s');
  expect(formatRate(250, 'items')).toBe('250 it/s');
});

describe('formatProgressLine', () => {
  test('with a total: percentage, bar, amounts, speed and ETA', () => {
    // 512 KiB of 2 MiB is 25%: 2 of 10 bar cells; 1.5 MiB left at 256 KiB/s is 6 s.
    expect(formatProgressLine({ label: 'm', done: 524288, total: 2097152, unit: 'bytes', ratePerSecond: 262144, elapsedSeconds: 2 }, 10))
      .toBe('m  25% [##--------] 512 KiB/2.00 MiB 256 KiB/s ETA 6s');
  });

  test('the percentage rounds down, so 100% only when done', () => {
    expect(formatProgressLine({ label: 'e', done: 999, total: 1000, unit: 'items', ratePerSecond: 0, elapsedSeconds: 0 }, 4))
      .toBe('e  99% [###-] 999/1000 0.00 it/s ETA --');
  });

  test('without a total: amount and speed only', () => {
    expect(formatProgressLine({ label: 'm', done: 1536, total: undefined, unit: 'bytes', ratePerSecond: 1024, elapsedSeconds: 1.5 }))
      .toBe('m 1.50 KiB 1.00 KiB/s');
  });
});

test('formatSummaryLine', () => {
  expect(formatSummaryLine({ label: 'eval', done: 1000, total: 1000, unit: 'items', ratePerSecond: 250, elapsedSeconds: 4 }))
    .toBe('eval 100% 1000 in 4s (250 it/s)');
  expect(formatSummaryLine({ label: 'm', done: 1024, total: 4096, unit: 'bytes', ratePerSecond: 512, elapsedSeconds: 2 }))
    .toBe('m 25% 1.00 KiB/4.00 KiB in 2s (512 B/s)');
});

function fakeStream() {
  const writes: string[] = [];
  return { writes, stream: { write: (s: string) => (writes.push(s), true) } };
}

describe('createProgressBar', () => {
  test('on a terminal it redraws with \\r at most once per interval and ends with a newline', () => {
    let t = 0;
    const { writes, stream } = fakeStream();
    const bar = createProgressBar({ stream, isTTY: true, total: 400, unit: 'items', label: 'x', now: () => t, minIntervalMs: 100 });
    bar.update(100); // first update always draws
    t = 50;
    bar.update(200); // within 100 ms of the last draw: skipped
    t = 100;
    bar.update(300);
    t = 2000;
    bar.update(400);
    bar.finish();
    bar.finish();
    expect(writes).toHaveLength(4);
    expect(writes.every((w) => w.startsWith('\r'))).toBe(true);
    expect(writes[1]).toContain(' 75% ');
    expect(writes[3]).toBe('\rx 100% 400 in 2s (200 it/s)\x1b[K\n');
  });

  test('elsewhere it prints only the final line', () => {
    let t = 0;
    const { writes, stream } = fakeStream();
    const bar = createProgressBar({ stream, isTTY: false, unit: 'bytes', label: 'model.gguf', now: () => t });
    bar.update(1024, 3072);
    t = 1000;
    bar.update(3072);
    bar.finish();
    expect(writes).toEqual(['model.gguf 100% 3.00 KiB in 1s (3.00 KiB/s)\n']);
  });

  test('work done before the start is left out of the speed', () => {
    let t = 0;
    const { writes, stream } = fakeStream();
    const bar = createProgressBar({ stream, isTTY: false, unit: 'bytes', label: 'r', total: 3048, start: 1000, now: () => t });
    t = 2000;
    bar.update(3048);
    bar.finish();
    expect(writes).toEqual(['r 100% 2.98 KiB in 2s (1.00 KiB/s)\n']);
  });

  test('validates its options', () => {
    const { stream } = fakeStream();
    expect(() => createProgressBar({ stream, isTTY: true, unit: 'kg' as 'bytes', label: 'x' })).toThrow(/options\.unit must be one of/);
    expect(() => createProgressBar({ stream: {} as typeof stream, isTTY: true, unit: 'bytes', label: 'x' })).toThrow(/options\.stream/);
    const bar = createProgressBar({ stream, isTTY: true, unit: 'bytes', label: 'x' });
    expect(() => bar.update(-5)).toThrow(RangeError);
  });
});
