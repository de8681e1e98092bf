import { parseArgs } from 'node:util';
import { isLoomError } from '../../errors.js';
import { readGguf, type GgufFile } from '../../gguf/reader.js';
import { formatMetadataValue, jsonMetadataValue, summarizeGguf, type GgufSummary } from '../../gguf/summary.js';
import { UsageError, type CliIo, type Command } from '../command.js';

const USAGE = `Usage: llama-loom inspect [--json] <model.gguf>

Prints what a GGUF file holds: architecture, parameter count, file type, size, every metadata
key (long arrays summarised), tensor count with a per-type summary, vocabulary size and special
tokens. Reads only the header; tensor data is not loaded.

Options:
  --json    print one JSON object instead of text
  -h, --help  show this help`;

/** Arrays longer than this are summarised in the output. */
const MAX_ITEMS = 8;

function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(2)} ${units[u]}`;
}

const grouped = (n: number): string => n.toLocaleString('en-US');

function textReport(file: GgufFile, s: GgufSummary): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${(label + ':').padEnd(16)}${value}`);
  };
  row('file', file.path);
  row('size', `${bytesText(s.fileSize)} (${grouped(s.fileSize)} bytes)`);
  row('gguf version', String(file.version));
  row('architecture', s.architecture ?? '(none)');
  if (s.name !== undefined) row('name', s.name);
  row('parameters', grouped(s.parameterCount));
  row('file type', s.fileType ? `${s.fileType.name} (${s.fileType.id})` : '(not recorded)');
  row('tensors', String(s.tensorCount));
  for (const t of s.tensorTypes) lines.push(`  ${t.type.padEnd(8)}${String(t.count).padStart(6)} tensors  ${bytesText(t.bytes)}`);
  row('vocabulary', s.vocabSize === undefined ? '(none)' : `${grouped(s.vocabSize)} tokens (${s.tokenizerModel ?? '?'})`);
  const specials = Object.entries(s.specialTokens)
    .map(([name, t]) => `${name}=${t.id}${t.text !== undefined ? ` ${JSON.stringify(t.text)}` : ' (outside the vocabulary)'}`);
  row('special tokens', specials.length ? specials.join(', ') : '(none)');
  lines.push(`metadata (${file.kv.size} keys):`);
  const width = Math.min(48, Math.max(0, ...[...file.kv.keys()].map((k) => k.length)));
  for (const [key, e] of file.kv) {
    const type = e.type === 'arr' ? 'arr' : e.type;
    lines.push(`  ${key.padEnd(width)}  ${type.padEnd(4)}  ${formatMetadataValue(e, MAX_ITEMS)}`);
  }
  return lines.join('\n') + '\n';
}

function jsonReport(file: GgufFile, s: GgufSummary): string {
  const metadata: Record<string, unknown> = {};
  for (const [key, e] of file.kv) metadata[key] = jsonMetadataValue(e, MAX_ITEMS);
  return JSON.stringify({
    path: file.path,
    fileSize: s.fileSize,
    version: file.version,
    alignment: file.alignment,
    architecture: s.architecture ?? null,
    name: s.name ?? null,
    parameterCount: s.parameterCount,
    fileType: s.fileType ?? null,
    tensorCount: s.tensorCount,
    tensorTypes: s.tensorTypes,
    tokenizerModel: s.tokenizerModel ?? null,
    vocabSize: s.vocabSize ?? null,
    specialTokens: s.specialTokens,
    metadata,
    tensors: file.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, offset: t.offset, byteSize: t.byteSize })),
  }) + '\n';
}

/** `llama-loom inspect [--json] model.gguf`: describes a GGUF file without loading its weights. */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'describe a GGUF model file (metadata, tensors, vocabulary)',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (parsed.values.help) {
      io.stdout.write(USAGE + '\n');
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      throw new UsageError(`inspect takes exactly one model file; received ${parsed.positionals.length} arguments`);
    }
    let file: GgufFile;
    try {
      file = await readGguf(parsed.positionals[0]!);
    } catch (err) {
      if (isLoomError(err)) {
        io.stderr.write(`llama-loom inspect: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const summary = summarizeGguf(file);
    io.stdout.write(parsed.values.json ? jsonReport(file, summary) : textReport(file, summary));
    return 0;
  },
};
