/**
 * A CSV file as a table of trimmed string cells, with the header detected or given, and the file line of
 * every row kept for error messages. Commas by default; tabs when the first line has tabs and no commas.
 */
import { parse } from 'csv-parse/sync';
import { fileError } from './errors';
import { readDataFile } from './read-file';

export interface CsvTable {
  file: string;
  /** Column names, or null for a file without a header. */
  header: string[] | null;
  rows: string[][];
  /** 1-based file line where each row starts. */
  lines: number[];
  columns: number;
}

/** A finite number written plainly ("1", "-2.5e-3"); not "", "NaN", "inf", "0x10". */
export function parseNumberCell(cell: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell)) return null;
  const v = Number(cell);
  return Number.isFinite(v) ? v : null;
}

/**
 * header 'auto': the first row is a header when it names `labelName`, when all its cells are non-numeric, or
 * when it has a non-numeric cell in a column whose next row is numeric.
 */
export function readCsvTable(file: string, header: boolean | 'auto' = 'auto', labelName = 'label'): CsvTable {
  const text = readDataFile(file).toString('utf8');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, delimiter, trim: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (err) {
    throw fileError(file, `not valid CSV: ${(err as Error).message}`, err);
  }
  if (records.length === 0) throw fileError(file, 'empty CSV file');
  const rows = records.map((r) => r.record);
  const lines = records.map((r) => r.info.lines);
  const first = rows[0];
  let hasHeader: boolean;
  if (header !== 'auto') hasHeader = header;
  else {
    const numeric = (c: string) => parseNumberCell(c) !== null;
    hasHeader =
      first.includes(labelName) ||
      first.every((c) => !numeric(c)) ||
      (rows.length > 1 && first.some((c, j) => !numeric(c) && numeric(rows[1][j] ?? '')));
  }
  return {
    file,
    header: hasHeader ? first : null,
    rows: hasHeader ? rows.slice(1) : rows,
    lines: hasHeader ? lines.slice(1) : lines,
    columns: first.length,
  };
}

/** "column "x2" (3)" or "column 3": how messages name a 0-based column. */
export function columnName(t: CsvTable, j: number): string {
  return t.header ? `column "${t.header[j]}" (${j + 1})` : `column ${j + 1}`;
}
