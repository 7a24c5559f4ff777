import { ALERT_WINDOWS, AlertWindow, ERROR_CODE_MATCHER, LABELS, METRICS, RECORDS, SLI_NAMES, SliName } from './conventions';
import { promNumber, RecordingRule, RuleGroup } from './rules';
import { errorBudget, namespaceMatcher, SloTarget } from './slo-target';

/** Windows of the per-language alert: the fastest page pair. */
export const LANGUAGE_WINDOWS: readonly AlertWindow[] = ['5m', '1h'];

/**
 * Error ratio of one SLI over a window, summed over pods so that one slow pod
 * does not hide behind the others' averages. Zero traffic gives no ratio at all.
 */
export function sliErrorRatioExpr(sli: SliName, window: string, target: SloTarget): string {
  const ns = namespaceMatcher(target);
  switch (sli) {
    case 'availability':
      // `or 0 * total`: before the first 5xx there is no error series, and the ratio is 0, not missing.
      return [
        `(sum by (${LABELS.namespace}) (rate(${METRICS.requests}{${ns},${ERROR_CODE_MATCHER}}[${window}]))`,
        `  or 0 * sum by (${LABELS.namespace}) (rate(${METRICS.requests}{${ns}}[${window}])))`,
        `/ sum by (${LABELS.namespace}) (rate(${METRICS.requests}{${ns}}[${window}]))`,
      ].join('\n');
    case 'latency':
      return [
        '1 - (',
        `  sum by (${LABELS.namespace}) (rate(${METRICS.duration}_bucket{${ns},le="${target.slo.latency.thresholdSeconds}"}[${window}]))`,
        `  / sum by (${LABELS.namespace}) (rate(${METRICS.duration}_count{${ns}}[${window}]))`,
        ')',
      ].join('\n');
    case 'freshness':
      return `avg_over_time(${RECORDS.indexStale}{${ns}}[${window}])`;
  }
}

function languageRules(target: SloTarget): RecordingRule[] {
  const ns = namespaceMatcher(target);
  const by = `${LABELS.namespace}, ${LABELS.lang}`;
  const labels = { [LABELS.namespace]: target.namespace };
  return LANGUAGE_WINDOWS.flatMap((window) => [
    { record: RECORDS.requestRateByLang(window), expr: `sum by (${by}) (rate(${METRICS.requests}{${ns}}[${window}]))`, labels },
    {
      record: RECORDS.errorRatioByLang(window),
      labels,
      expr: [
        `(sum by (${by}) (rate(${METRICS.requests}{${ns},${ERROR_CODE_MATCHER}}[${window}]))`,
        `  or 0 * sum by (${by}) (rate(${METRICS.requests}{${ns}}[${window}])))`,
        `/ sum by (${by}) (rate(${METRICS.requests}{${ns}}[${window}]))`,
      ].join('\n'),
    },
  ]);
}

/** The namespace label is already on the series; as a rule label it keeps the rules of several environments distinct. */
function sliLabels(sli: SliName, target: SloTarget): Record<string, string> {
  return { [LABELS.slo]: sli, [LABELS.namespace]: target.namespace };
}

/** The SLI error ratios over every alert window, and the freshness indicator they build on. */
export function recordingRules(target: SloTarget): RuleGroup[] {
  const ns = namespaceMatcher(target);
  const ratios: RecordingRule[] = SLI_NAMES.flatMap((sli) => ALERT_WINDOWS.map((window) => ({
    record: RECORDS.errorRatio(window),
    expr: sliErrorRatioExpr(sli, window, target),
    labels: sliLabels(sli, target),
  })));
  const stale: RecordingRule = {
    record: RECORDS.indexStale,
    expr: `(time() - max by (${LABELS.namespace}) (${METRICS.indexLastUpdate}{${ns}})) > bool ${target.slo.freshness.maxAgeSeconds}`,
    labels: { [LABELS.namespace]: target.namespace },
  };
  const budget: RecordingRule[] = SLI_NAMES.flatMap((sli): RecordingRule[] => [
    { record: RECORDS.errorRatio(target.slo[sli].window), expr: sliErrorRatioExpr(sli, target.slo[sli].window, target), labels: sliLabels(sli, target) },
    {
      record: RECORDS.budgetRemaining,
      expr: `1 - ${RECORDS.errorRatio(target.slo[sli].window)}{${ns},${LABELS.slo}="${sli}"} / ${promNumber(errorBudget(target.slo[sli].objective))}`,
      labels: sliLabels(sli, target),
    },
    { record: RECORDS.objective, expr: `vector(${promNumber(target.slo[sli].objective)})`, labels: sliLabels(sli, target) },
  ]);
  return [
    { name: `search-ops-${target.environment}-sli`, rules: [stale, ...ratios, ...languageRules(target)] },
    // Month-long windows are costly and change slowly.
    { name: `search-ops-${target.environment}-error-budget`, interval: '5m', rules: budget },
  ];
}
