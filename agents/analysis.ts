import { OFFLINE_LABEL, defineAgent, offlinePlanner, type OfflinePlan } from 'stepwise-agents';
import { analyzeData, summarizeDocument } from 'stepwise-agents/tools';
import { formatNumber, succeeded } from './plan-helpers';

const DEFAULT_DATASET = 'battery-projects';

interface ColumnStats { column: string; count: number; mean: number; median: number; min: number; max: number; sum: number }
interface GroupStats { value: string; count: number; columns: { column: string; sum: number; mean: number }[] }
interface AnalysisResult { rows: number; columns: string[]; numericColumns: string[]; stats: ColumnStats[]; groups?: { column: string; values: GroupStats[] } }


/** Analyze a dataset, then group it by the column the task names (or the first text column), and report. */
export const analysisPlan: OfflinePlan = (context) => {
  const dataset = /\b([a-z0-9]+(?:-[a-z0-9]+)+)\b/.exec(context.task)?.[1] ?? DEFAULT_DATASET;
  const analyses = succeeded(context, 'analyze_data');
  const attempts = context.observations.filter((observation) => observation.tool === 'analyze_data');
  if (attempts.length === 0) {
    return { thought: `I will compute descriptive statistics over the "${dataset}" dataset.`, calls: [{ tool: 'analyze_data', args: { csv: null, documentId: dataset, columns: null, groupBy: null } }] };
  }
  if (analyses.length === 0) return { thought: 'The data could not be analyzed.', answer: `(${OFFLINE_LABEL}) I could not analyze the data: ${attempts[0].text}` };
  const overall = analyses[0].result as AnalysisResult;
  const textColumns = overall.columns.filter((column) => !overall.numericColumns.includes(column));
  const named = /\bby\s+([a-z_]+)/i.exec(context.task)?.[1]?.toLowerCase();
  const groupBy = textColumns.find((column) => column.toLowerCase() === named) ?? textColumns[0];
  if (groupBy && analyses.length === 1 && attempts.length === 1) {
    return { thought: `I will break the totals down by "${groupBy}".`, calls: [{ tool: 'analyze_data', args: { csv: null, documentId: dataset, columns: null, groupBy } }] };
  }
  const grouped = analyses.map((item) => item.result as AnalysisResult).find((result) => result.groups?.values.length)?.groups;
  const lines = [
    `# Analysis of ${dataset}`,
    '',
    `_Computed by the Stepwise ${OFFLINE_LABEL}; every figure comes from analyze_data._`,
    '',
    `${overall.rows} rows; numeric columns: ${overall.numericColumns.join(', ')}.`,
    '',
    '| column | mean | median | min | max | total |',
    '|---|---|---|---|---|---|',
    ...overall.stats.map((stat) => `| ${stat.column} | ${formatNumber(stat.mean)} | ${formatNumber(stat.median)} | ${formatNumber(stat.min)} | ${formatNumber(stat.max)} | ${formatNumber(stat.sum)} |`),
  ];
  if (grouped) {
    const measure = overall.numericColumns.find((column) => !/year|month|id/i.test(column)) ?? overall.numericColumns[0];
    const of = (group: GroupStats) => group.columns.find((column) => column.column === measure) ?? { sum: 0, mean: 0 };
    const ranked = [...grouped.values].sort((a, b) => of(b).sum - of(a).sum);
    lines.push('', `## By ${grouped.column} (ranked by total ${measure})`, '', `| ${grouped.column} | rows | total ${measure} | mean ${measure} |`, '|---|---|---|---|');
    lines.push(...ranked.map((group) => `| ${group.value} | ${group.count} | ${formatNumber(of(group).sum)} | ${formatNumber(of(group).mean)} |`));
    if (ranked[0]) lines.push('', `**Finding:** ${ranked[0].value} leads on total ${measure} (${formatNumber(of(ranked[0]).sum)} across ${ranked[0].count} rows).`);
  }
  return { thought: 'I have the statistics; writing the report.', answer: lines.join('\n') };
};

/** Processes tabular data and reports on it. */
export const analysis = defineAgent({
  name: 'analysis',
  description: 'Processes tabular data (CSV) and reports descriptive statistics and grouped totals',
  instructions: [
    'You are a data analyst. Use analyze_data on the dataset the user names (a dataset id from the corpus, or CSV text).',
    'First get overall statistics, then group by the most meaningful category column.',
    'Report the figures exactly as the tool returned them, in Markdown tables, with one or two findings.',
  ].join('\n'),
  tools: [analyzeData, summarizeDocument],
  maxIterations: 8,
  // Scripted without a language model; `stepwise run --model` or the execution input's `options.model` wins over it.
  model: offlinePlanner(analysisPlan),
});
