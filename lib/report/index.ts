/**
 * Summary reports: one model (`buildReportModel`) rendered as a self-contained HTML page, Markdown or JSON.
 * Pure: the CLI and the scheduled report function both pass an `AnalysisResult` and write the string wherever
 * they need it.
 */
import type { RuleSet } from '../rules/index.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildReportModel, type ReportInput, type ReportModel, type RuleSummary } from './model.js';

export { cleanText, escapeHtml, htmlText, markdownCode, markdownText } from './escape.js';
export { errorWithoutPath, formatCount, plural } from './format.js';
export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export type {
  CauseScope,
  CodeFigure,
  CodeIncident,
  Headline,
  Incident,
  InputsFigure,
  LoadBalancerSection,
  MemberFigure,
  RateSeries,
  ReportInput,
  ReportModel,
  RuleSummary,
  Section,
  Series,
} from './model.js';
export {
  buildReportModel,
  incidentsFromAlerts,
  MAX_CHART_BUCKETS,
  REPORT_SCHEMA,
  reportIncidents,
  type WithoutStatusCount,
  withRecordsWithoutStatus,
} from './model.js';

export type ReportFormat = 'html' | 'md' | 'json';

/** The report formats, for argument validation. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json'];

/**
 * Renders a report for one period. `json` is the model itself (see `ReportModel`), pretty-printed and stable.
 *
 * @example
 * const html = renderReport({ generatedAt, period: { from, to }, windowMs: 300_000, analysis, rules }, 'html');
 */
export function renderReport(input: ReportInput, format: ReportFormat): string {
  const model = buildReportModel(input);
  switch (format) {
    case 'html':
      return renderHtml(model);
    case 'md':
      return renderMarkdown(model);
    case 'json':
      return renderJson(model);
  }
}

/** The model as stable, pretty-printed JSON (the `json` report format). */
export function renderJson(model: ReportModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

/**
 * The rules in force as the report prints them: classes come back as `5xx`-style strings.
 *
 * @example
 * renderReport({ ...input, rules: summarizeRules(DEFAULT_RULES) }, 'md');
 */
export function summarizeRules(rules: RuleSet): RuleSummary[] {
  return rules.rules.map((rule) => ({
    id: rule.id,
    codes: [...rule.codes, ...rule.classes.map((cls) => `${cls}xx`)],
    source: rule.source,
    ...(rule.rate === null ? {} : { rate: rule.rate }),
    ...(rule.count === null ? {} : { count: rule.count }),
    minRequests: rule.minRequests,
    severity: rule.severity,
  }));
}
