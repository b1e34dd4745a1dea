import { readFileSync } from 'node:fs';
import { ToolArgumentsError, ToolExecutionError } from '../../framework/errors';
import { analyzeCsv, analyzeData } from '../../tools/analyze_data/tool';
import { run } from './tool-context';

const CSV = ['city,mode,riders,on_time', 'Oslo,bus,120,91.5', 'Oslo,tram,80,', 'Rome,bus,"1,000",88', 'Rome,bus,40,79.5'].join('\n');

function sampleStddev(values: number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

describe('analyze_data', () => {
  it('describes every numeric column, ignoring empty cells', async () => {
    const result = await run(analyzeData, { csv: CSV, documentId: null, columns: null, groupBy: null });

    expect(result.rows).toBe(4);
    expect(result.columns).toEqual(['city', 'mode', 'riders', 'on_time']);
    expect(result.numericColumns).toEqual(['riders', 'on_time']);
    const [riders, onTime] = result.stats;
    expect(riders).toMatchObject({ column: 'riders', count: 4, sum: 1240, mean: 310, median: 100, min: 40, max: 1000 });
    expect(riders.stddev).toBeCloseTo(sampleStddev([120, 80, 1000, 40]), 5);
    expect(onTime).toMatchObject({ count: 3, sum: 259, median: 88, min: 79.5, max: 91.5 });
    expect(onTime.mean).toBeCloseTo(259 / 3, 5);
  });

  it('sums and averages per group, in order of first appearance', () => {
    const result = analyzeCsv(CSV, { columns: ['riders'], groupBy: 'city' });

    expect(result.groups).toEqual({
      column: 'city',
      values: [
        { value: 'Oslo', count: 2, columns: [{ column: 'riders', sum: 200, mean: 100 }] },
        { value: 'Rome', count: 2, columns: [{ column: 'riders', sum: 1040, mean: 520 }] },
      ],
    });
  });

  it('computes correct statistics on a corpus dataset', async () => {
    const csv = readFileSync(`${__dirname}/../../tools/corpus/datasets/battery-projects.csv`, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    const capacityIndex = lines[0].split(',').indexOf('capacity_mw');
    const capacities = lines.slice(1).map((line) => Number(line.split(',')[capacityIndex]));

    const result = await run(analyzeData, { csv: null, documentId: 'battery-projects', columns: ['capacity_mw'], groupBy: 'technology' });

    expect(result.stats[0].count).toBe(capacities.length);
    expect(result.stats[0].sum).toBeCloseTo(capacities.reduce((sum, value) => sum + value, 0), 5);
    expect(result.stats[0].max).toBe(Math.max(...capacities));
    expect(result.groups?.values.reduce((sum, group) => sum + group.count, 0)).toBe(capacities.length);
  });

  it('names the available columns when a column is unknown, and the numeric ones when it is not numeric', () => {
    expect(() => analyzeCsv(CSV, { columns: ['speed'] })).toThrow(/unknown column "speed"; available columns: city, mode, riders, on_time/);
    expect(() => analyzeCsv(CSV, { columns: ['mode'] })).toThrow(/"mode" is not numeric; numeric columns: riders, on_time/);
    expect(() => analyzeCsv(CSV, { groupBy: 'country' })).toThrow(ToolArgumentsError);
  });

  it('reports the line of a CSV it cannot parse', () => {
    const broken = 'a,b\n1,2\n3\n';

    expect(() => analyzeCsv(broken)).toThrow(ToolExecutionError);
    expect(() => analyzeCsv(broken)).toThrow(/line 3/);
  });

  it('requires exactly one of csv and documentId', async () => {
    await expect(run(analyzeData, { csv: CSV, documentId: 'battery-projects', columns: null, groupBy: null })).rejects.toThrow(/"csv" or "documentId"/);
  });
});
