/**
 * Streaming input for `batch` and `evaluate`: JSONL, CSV (a header row, RFC 4180 quoting on one
 * physical line) or a folder of such files (sorted by name, as one stream). Lines are numbered
 * from 1 over the whole stream (CSV: data rows, the header not counted); a blank line counts and
 * is reported as an error (every input line gets one output line). Nothing is read ahead beyond what readline buffers.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { UsageError } from './common';

export interface InputLine {
  line: number;
  /** The parsed row, or the reason it could not be parsed. */
  row?: Record<string, unknown>;
  error?: string;
  /** Bytes of input consumed so far (for an ETA). */
  bytes: number;
}

export function inputFiles(input: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(input);
  } catch {
    throw new UsageError(`--input ${input} does not exist`);
  }
  if (!st.isDirectory()) return [input];
  const files = fs.readdirSync(input).filter((f) => /\.(jsonl|json|csv)$/i.test(f)).sort().map((f) => path.join(input, f));
  if (files.length === 0) throw new UsageError(`--input ${input} holds no .jsonl or .csv files`);
  return files;
}

export function totalBytes(files: string[]): number {
  return files.reduce((a, f) => a + fs.statSync(f).size, 0);
}

/** One CSV record on one line: fields split on commas, "…" quoting with "" for a quote. */
export function parseCsvLine(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field (a CSV record must fit on one line)');
        field += s.slice(i, q);
        i = q + 1;
        if (s[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      const c = s.indexOf(',', i);
      field = c < 0 ? s.slice(i) : s.slice(i, c);
      i = c < 0 ? s.length : c;
    }
    out.push(field);
    if (s[i] === ',') i++;
    else if (i >= s.length) return out;
    else throw new Error(`unexpected character after a quoted field at column ${i + 1}`);
  }
}

export async function* readInput(files: string[]): AsyncGenerator<InputLine> {
  let line = 0;
  let bytes = 0;
  for (const file of files) {
    const csv = /\.csv$/i.test(file);
    let header: string[] | undefined;
    const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const text of rl) {
      bytes += Buffer.byteLength(text) + 1;
      if (csv && !header) {
        header = parseCsvLine(text.replace(/^\uFEFF/, ''));
        continue;
      }
      line++;
      if (text.trim() === '') {
        yield { line, error: 'an empty line', bytes };
        continue;
      }
      try {
        if (csv) {
          const fields = parseCsvLine(text);
          if (fields.length !== header!.length) throw new Error(`${fields.length} fields where the header has ${header!.length}`);
          yield { line, row: Object.fromEntries(header!.map((h, i) => [h, fields[i]])), bytes };
        } else {
          const row: unknown = JSON.parse(text);
          if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error('a line must be a JSON object');
          yield { line, row: row as Record<string, unknown>, bytes };
        }
      } catch (e) {
        yield { line, error: `${csv ? 'bad CSV' : 'bad JSON'} at ${path.basename(file)}: ${(e as Error).message}`, bytes };
      }
    }
  }
}
