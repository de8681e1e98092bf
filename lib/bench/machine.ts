// The machine a benchmark ran on, and the memory bandwidth that bounds token generation.
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { summarize, type Summary } from './stats.js';

/** Hardware and software the figures belong to. */
export interface MachineInfo {
  cpuModel: string;
  logicalCores: number;
  memoryBytes: number;
  platform: string;
  arch: string;
  kernel: string;
  node: string;
  /** 1-, 5- and 15-minute load averages when the run started and when it ended. */
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

/** Static facts about this machine (the end load average is added by the harness). */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    logicalCores: availableParallelism(),
    memoryBytes: totalmem(),
    platform: platform(),
    arch: arch(),
    kernel: release(),
    node: process.version,
    loadAverageStart: loadavg(),
  };
}

/** Result of {@link measureCopyBandwidth}. */
export interface BandwidthResult {
  /** Bytes moved per second (each copied byte counts once read and once written, as STREAM's copy). */
  bytesPerSecond: Summary;
  bufferBytes: number;
  passes: number;
}

/**
 * Memory bandwidth from one thread copying a buffer far larger than the caches (TypedArray.set is
 * a memcpy). Several timed passes; the median is reported, and the fastest pass is the closest to
 * what the memory can do. One thread rarely saturates a server's memory, so this is a floor on the
 * bandwidth llama.cpp's threads see.
 */
export function measureCopyBandwidth(bufferBytes = 256 * 1024 * 1024, passes = 8): BandwidthResult {
  const src = new Uint8Array(bufferBytes);
  const dst = new Uint8Array(bufferBytes);
  // Touch every page first so the timed passes measure copying, not page faults.
  for (let i = 0; i < bufferBytes; i += 4096) src[i] = i & 0xff;
  dst.set(src);
  const rates: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    dst.set(src);
    const s = (performance.now() - t0) / 1000;
    if (s > 0) rates.push((2 * bufferBytes) / s);
  }
  return { bytesPerSecond: summarize(rates), bufferBytes, passes };
}
