import type { Writable } from 'node:stream';

import { checkBoolean, checkFunction, checkNumber, checkObject, checkOneOf, checkString, fail } from '../validate.js';

/** What a progress bar counts. */
export type ProgressUnit = 'bytes' | 'items';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * A byte count in binary units with three significant digits: `0 B`, `1023 B`, `1.50 KiB`,
 * `15.3 MiB`, `153 GiB`. A value that would round to 1024 moves to the next unit.
 */
export function formatBytes(bytes: number): string {
  checkNumber('bytes', bytes, { min: 0 });
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let text = value >= 999.5 ? value.toFixed(0) : value.toPrecision(3);
  if (Number(text) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
    text = value.toPrecision(3);
  }
  return `${text} ${BYTE_UNITS[unit]}`;
}

/**
 * A duration rounded to whole seconds: `42s`, `3m07s`, `2h05m`. Infinite durations (no progress
 * yet) read `--`.
 */
export function formatDuration(seconds: number): string {
  checkNumber('seconds', seconds, { min: 0, max: Infinity });
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A speed: `3.10 MiB/s` for bytes, `31.2 it/s` for items. */
export function formatRate(perSecond: number, unit: ProgressUnit): string {
  checkNumber('perSecond', perSecond, { min: 0 });
  if (unit === 'bytes') return `${formatBytes(perSecond)}/s`;
  const digits = perSecond < 10 ? 2 : perSecond < 100 ? 1 : 0;
  return `${perSecond.toFixed(digits)} it/s`;
}

function formatAmount(n: number, unit: ProgressUnit): string {
  return unit === 'bytes' ? formatBytes(n) : String(Math.round(n));
}

/** Everything one rendered progress line shows. */
export interface ProgressSnapshot {
  label: string;
  done: number;
  total: number | undefined;
  unit: ProgressUnit;
  /** Speed of this run, excluding work that was already done when it started. */
  ratePerSecond: number;
  elapsedSeconds: number;
}

/**
 * The live line: `label  42% [##########--------------] 12.3 MiB/29.1 MiB 3.10 MiB/s ETA 5s`.
 * Without a total it shows only the amount and speed. The percentage rounds down so 100% means done.
 */
export function formatProgressLine(s: ProgressSnapshot, barWidth = 24): string {
  const rate = formatRate(s.ratePerSecond, s.unit);
  if (s.total === undefined || s.total <= 0) return `${s.label} ${formatAmount(s.done, s.unit)} ${rate}`;
  const fraction = Math.min(1, s.done / s.total);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const filled = Math.floor(fraction * barWidth);
  const bar = '#'.repeat(filled) + '-'.repeat(barWidth - filled);
  const eta = s.ratePerSecond > 0 ? formatDuration(Math.max(0, s.total - s.done) / s.ratePerSecond) : '--';
  return `${s.label} ${percent} [${bar}] ${formatAmount(s.done, s.unit)}/${formatAmount(s.total, s.unit)} ${rate} ETA ${eta}`;
}

/** The closing line: `label 100% 29.1 MiB in 9s (3.23 MiB/s)`. */
export function formatSummaryLine(s: ProgressSnapshot): string {
  let amount = formatAmount(s.done, s.unit);
  if (s.total !== undefined && s.total > 0) {
    const percent = Math.floor(Math.min(1, s.done / s.total) * 100);
    // An unfinished run (error, abort) also says how much was expected.
    amount = s.done >= s.total ? `${percent}% ${amount}` : `${percent}% ${amount}/${formatAmount(s.total, s.unit)}`;
  }
  return `${s.label} ${amount} in ${formatDuration(s.elapsedSeconds)} (${formatRate(s.ratePerSecond, s.unit)})`;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (usually stderr, so stdout stays clean for results). */
  stream: Pick<Writable, 'write'> & { columns?: number };
  /** Redraw in place on a terminal; otherwise print only the final line. */
  isTTY: boolean;
  /** Amount at completion, when known; {@link ProgressBar.update} may supply it later. */
  total?: number;
  unit: ProgressUnit;
  label: string;
  /** Work already done before this run (e.g. a resumed download); left out of the speed. */
  start?: number;
  /** Milliseconds between redraws on a terminal; default 100 (10 per second). */
  minIntervalMs?: number;
  /** Clock in milliseconds; tests pass their own. */
  now?: () => number;
}

/** A progress display created by {@link createProgressBar}. */
export interface ProgressBar {
  /** Records the amount done so far (and the total, once it becomes known); redraws when due. */
  update(done: number, total?: number): void;
  /** Prints the final line; later calls do nothing. */
  finish(): void;
}

/** A progress bar that redraws with `\r` on a terminal at most every `minIntervalMs`, and prints one final line elsewhere. */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  checkObject('options', options);
  const stream = options.stream;
  if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') fail('options.stream', 'a writable stream', stream);
  const isTTY = checkBoolean('options.isTTY', options.isTTY);
  const unit = checkOneOf('options.unit', options.unit, ['bytes', 'items'] as const);
  const label = checkString('options.label', options.label);
  let total = options.total === undefined ? undefined : checkNumber('options.total', options.total, { min: 0 });
  const start = options.start === undefined ? 0 : checkNumber('options.start', options.start, { min: 0 });
  const minIntervalMs = options.minIntervalMs === undefined ? 100 : checkNumber('options.minIntervalMs', options.minIntervalMs, { min: 0 });
  const now = options.now === undefined ? () => performance.now() : checkFunction<() => number>('options.now', options.now);

  const startedAt = now();
  let done = start;
  let lastDraw = -Infinity;
  let finished = false;

  const snapshot = (): ProgressSnapshot => {
    const elapsedSeconds = Math.max(0, (now() - startedAt) / 1000);
    const ratePerSecond = elapsedSeconds > 0 ? Math.max(0, done - start) / elapsedSeconds : 0;
    return { label, done, total, unit, ratePerSecond, elapsedSeconds };
  };
  // A line longer than the terminal wraps, and `\r` would then redraw only its last row.
  const fit = (line: string) => (stream.columns && line.length >= stream.columns ? line.slice(0, stream.columns - 1) : line);

  return {
    update(value: number, newTotal?: number): void {
      checkNumber('done', value, { min: 0 });
      if (newTotal !== undefined) total = checkNumber('total', newTotal, { min: 0 });
      if (finished) return;
      done = value;
      if (!isTTY) return;
      const t = now();
      if (t - lastDraw < minIntervalMs) return;
      lastDraw = t;
      stream.write(`\r${fit(formatProgressLine(snapshot()))}\x1b[K`);
    },
    finish(): void {
      if (finished) return;
      finished = true;
      const line = formatSummaryLine(snapshot());
      stream.write(isTTY ? `\r${fit(line)}\x1b[K\n` : `${line}\n`);
    },
  };
}
