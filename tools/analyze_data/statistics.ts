import type { ColumnStats } from './schema';

const DECIMALS = 1e6;

/** Rounds to 6 decimal places so results read cleanly without losing meaningful precision. */
export function round(value: number): number {
  return Math.round(value * DECIMALS) / DECIMALS;
}

/**
 * Count, mean, median, min, max, sum and sample standard deviation of a non-empty list.
 *
 * @example
 * describeColumn('price', [1, 2, 3, 10]).median; // 2.5
 */
export function describeColumn(column: string, values: readonly number[]): ColumnStats {
  const count = values.length;
  if (count === 0) return { column, count: 0, mean: 0, median: 0, min: 0, max: 0, sum: 0, stddev: 0 };
  const sorted = [...values].sort((left, right) => left - right);
  const sum = values.reduce((total, value) => total + value, 0);
  const mean = sum / count;
  const middle = Math.floor(count / 2);
  const median = count % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  const variance = count > 1 ? values.reduce((total, value) => total + (value - mean) ** 2, 0) / (count - 1) : 0;
  return {
    column,
    count,
    mean: round(mean),
    median: round(median),
    min: sorted[0],
    max: sorted[count - 1],
    sum: round(sum),
    stddev: round(Math.sqrt(variance)),
  };
}

const NUMBER = /^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** The number in a cell ("1,234.5", "-3", "2e3"), or null when the cell is not a number. */
export function parseNumber(cell: string): number | null {
  const trimmed = cell.trim();
  if (trimmed === '' || !/\d/.test(trimmed) || !NUMBER.test(trimmed)) return null;
  const value = Number(trimmed.replace(/,/g, ''));
  return Number.isFinite(value) ? value : null;
}
