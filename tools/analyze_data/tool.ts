import { parse } from 'csv-parse/sync';
import { corpusCache, findDataset } from '../shared/corpus';
import { defineTool, ToolArgumentsError, ToolExecutionError } from '../shared/framework';
import type { BundledToolContext } from '../workspace';
import { analyzeDataParameters, type AnalyzeDataResult, type GroupStats } from './schema';
import { describeColumn, parseNumber, round } from './statistics';

const TOOL_NAME = 'analyze_data';

/** Options of `analyzeCsv`: which numeric columns to describe and what to group by. */
export interface AnalyzeOptions {
  /** @default every numeric column */
  readonly columns?: readonly string[] | null;
  /** @default no grouping */
  readonly groupBy?: string | null;
}

/**
 * Parses CSV text (first row = header) and describes its numeric columns, optionally per group.
 * A column is numeric when every non-empty cell is a number.
 *
 * @example
 * analyzeCsv('city,riders\nOslo,10\nOslo,20\nRome,5', { groupBy: 'city' }).stats[0].mean; // 11.666667
 */
export function analyzeCsv(csv: string, options: AnalyzeOptions = {}): AnalyzeDataResult {
  const [header, ...rows] = parseRows(csv);
  if (!header) throw new ToolExecutionError(TOOL_NAME, 'The CSV is empty: it needs a header row and at least one data row');
  const columns = header.map((name, index) => (name.trim() === '' ? `column_${index + 1}` : name.trim()));
  const numericColumns = columns.filter((_, index) => rows.every((row) => (row[index] ?? '').trim() === '' || parseNumber(row[index]) !== null) && rows.some((row) => (row[index] ?? '').trim() !== ''));
  const selected = options.columns ?? numericColumns;
  for (const column of selected) {
    if (!columns.includes(column)) {
      throw new ToolArgumentsError(TOOL_NAME, [{ field: 'columns', message: `unknown column "${column}"; available columns: ${columns.join(', ')}` }]);
    }
    if (!numericColumns.includes(column)) {
      throw new ToolArgumentsError(TOOL_NAME, [
        { field: 'columns', message: `column "${column}" is not numeric; numeric columns: ${numericColumns.join(', ') || '(none)'}` },
      ]);
    }
  }
  const valuesOf = (selectedRows: readonly string[][], column: string): number[] => {
    const index = columns.indexOf(column);
    return selectedRows.map((row) => parseNumber(row[index] ?? '')).filter((value): value is number => value !== null);
  };
  const result: AnalyzeDataResult = {
    rows: rows.length,
    columns,
    numericColumns,
    stats: selected.map((column) => describeColumn(column, valuesOf(rows, column))),
  };
  if (options.groupBy === null || options.groupBy === undefined) return result;
  const groupIndex = columns.indexOf(options.groupBy);
  if (groupIndex < 0) {
    throw new ToolArgumentsError(TOOL_NAME, [{ field: 'groupBy', message: `unknown column "${options.groupBy}"; available columns: ${columns.join(', ')}` }]);
  }
  const groups = new Map<string, string[][]>();
  for (const row of rows) {
    const value = (row[groupIndex] ?? '').trim();
    groups.set(value, [...(groups.get(value) ?? []), row]);
  }
  const values: GroupStats[] = [...groups.entries()].map(([value, groupRows]) => ({
    value,
    count: groupRows.length,
    columns: selected.map((column) => {
      const numbers = valuesOf(groupRows, column);
      const sum = numbers.reduce((total, number) => total + number, 0);
      return { column, sum: numbers.length > 0 ? round(sum) : null, mean: numbers.length > 0 ? round(sum / numbers.length) : null };
    }),
  }));
  return { ...result, groups: { column: options.groupBy, values } };
}

function parseRows(csv: string): string[][] {
  try {
    return parse(csv, { bom: true, skip_empty_lines: true, relax_quotes: false }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    const where = line === undefined ? '' : ` at line ${line}`;
    throw new ToolExecutionError(TOOL_NAME, `The CSV cannot be parsed${where}: ${(error as Error).message}. Every row needs the same number of fields as the header; quote fields that contain commas.`, {
      cause: error,
    });
  }
}

/** Descriptive statistics of a CSV table, offline. */
export const analyzeData = defineTool({
  name: TOOL_NAME,
  description:
    'Computes statistics of a CSV table given as text or as a corpus dataset id (give exactly one of csv or documentId): for each numeric ' +
    'column count, mean, median, min, max, sum and standard deviation; with groupBy, row counts and per-group sums and means.',
  parameters: analyzeDataParameters,
  // Read-only: running a call again after a crash is harmless, so it skips the durable "started" mark.
  sideEffects: false,
  execute: (args, context: BundledToolContext): AnalyzeDataResult => {
    const hasCsv = args.csv !== null && args.csv.trim() !== '';
    const hasId = args.documentId !== null && args.documentId.trim() !== '';
    if (hasCsv === hasId) {
      const message = `exactly one of "csv" or "documentId" must be non-empty (${hasCsv ? 'set the other to null' : 'give one of them'})`;
      throw new ToolArgumentsError(TOOL_NAME, [
        { field: 'csv', message },
        { field: 'documentId', message },
      ]);
    }
    const csv = hasCsv ? (args.csv as string) : findDataset(TOOL_NAME, corpusCache.load(TOOL_NAME, context.context.corpusDir), (args.documentId as string).trim()).csv;
    return analyzeCsv(csv, { columns: args.columns, groupBy: args.groupBy });
  },
});
