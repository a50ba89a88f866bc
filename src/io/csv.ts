/**
 * Numeric CSV files: one vector a row.
 *
 * - Delimiter: comma, semicolon or tab, whichever occurs most in the first
 *   non-empty line (none: one column). With semicolons, a decimal comma
 *   (`1,5`) is read as a decimal point, as spreadsheets in many locales
 *   write it.
 * - Header: the first non-empty line is a header when none of its cells is
 *   a number; otherwise it is data.
 * - Cells may be wrapped in double quotes and padded with spaces. Empty
 *   lines are skipped; `\r\n` line ends are accepted.
 * - Every cell must be a finite decimal number (`nan`, `inf`, empty cells
 *   and hex are errors naming the line and column, both 1-based), and every
 *   row must have as many cells as the first data row.
 */
import * as fs from 'node:fs';
import { UserError } from '../util/errors.js';

export interface CsvMatrix {
  /** `[numRows, numCols]`, header excluded. */
  shape: [number, number];
  /** `[numRows, numCols]` float32, row-major. */
  data: Float32Array;
  /** Column names when the file has a header. */
  header?: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads a CSV file; `what` names the argument in errors (e.g. `--data`). */
export function readCsv(file: string, what = file): CsvMatrix {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${what}: cannot read "${file}"` +
        (code === 'ENOENT' ? ': no such file' : `: ${code ?? String(e)}`),
    );
  }
  return parseCsv(text, `${what} (${file})`);
}

/** Parses CSV text; `where` names the source in errors. */
export function parseCsv(text: string, where: string): CsvMatrix {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.trim().length > 0);
  if (first < 0) {
    throw new UserError(`${where}: the file must hold rows of numbers, but ` +
      'it is empty');
  }
  const delim = pickDelimiter(lines[first]!);
  const decimalComma = delim === ';';
  const cells = (line: string): string[] =>
    line.replace(/\r$/, '').split(delim).map(unquote);
  const asNumber = (s: string): number => {
    const t = decimalComma ? s.replace(',', '.') : s;
    return NUMBER.test(t) ? Number(t) : NaN;
  };

  const head = cells(lines[first]!);
  const isHeader = head.every((c) => Number.isNaN(asNumber(c)));
  const cols = head.length;
  const values: number[] = [];
  let rows = 0;
  for (let li = isHeader ? first + 1 : first; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim().length === 0) continue;
    const row = cells(line);
    if (row.length !== cols) {
      throw new UserError(
        `${where}: line ${li + 1} must have ${cols} columns like ` +
          `line ${first + 1}, but got ${row.length}`,
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = asNumber(row[c]!);
      if (!Number.isFinite(v)) {
        throw new UserError(
          `${where}: line ${li + 1}, column ${c + 1} must be a finite ` +
            `number, but got ${JSON.stringify(row[c])}`,
        );
      }
      values.push(v);
    }
    rows++;
  }
  if (rows === 0) {
    throw new UserError(
      `${where}: the file must hold rows of numbers, but it has only ` +
        'a header',
    );
  }
  return {
    shape: [rows, cols],
    data: Float32Array.from(values),
    ...(isHeader ? { header: head } : {}),
  };
}

function pickDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t']) {
    const n = line.split(d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

function unquote(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ?
      t.slice(1, -1).trim()
    : t;
}
