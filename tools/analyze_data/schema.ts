import { z } from 'zod';

export const analyzeDataParameters = z.object({
  csv: z.string().nullable().describe('CSV text with a header row; null when documentId is given'),
  documentId: z.string().nullable().describe('Id of a CSV dataset in the corpus; null when csv is given'),
  columns: z
    .array(z.string().min(1))
    .min(1)
    .nullable()
    .describe('Numeric columns to summarize; null for every numeric column'),
  groupBy: z.string().min(1).nullable().describe('Column whose values split the rows into groups; null for no grouping'),
});

export type AnalyzeDataArgs = z.output<typeof analyzeDataParameters>;

/** Summary statistics of one numeric column (empty cells ignored). */
export interface ColumnStats {
  readonly column: string;
  /** Non-empty cells. */
  readonly count: number;
  readonly mean: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  readonly stddev: number;
}

/** The rows sharing one value of the `groupBy` column. */
export interface GroupStats {
  readonly value: string;
  /** Rows in the group. */
  readonly count: number;
  /** Per numeric column: its sum and mean within the group (null when the group has no values). */
  readonly columns: readonly { readonly column: string; readonly sum: number | null; readonly mean: number | null }[];
}

export interface AnalyzeDataResult {
  readonly rows: number;
  /** Every column of the header, in order. */
  readonly columns: readonly string[];
  /** The columns whose non-empty cells are all numbers. */
  readonly numericColumns: readonly string[];
  readonly stats: readonly ColumnStats[];
  /** Present when `groupBy` was given: one entry per distinct value, in order of first appearance. */
  readonly groups?: { readonly column: string; readonly values: readonly GroupStats[] };
}
