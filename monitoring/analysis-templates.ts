import { ERROR_CODE_MATCHER, LABELS, METRICS, RECORDS } from './conventions';
import { promNumber } from './rules';
import { SloSpec } from './slo';

/** How canary measurements are taken; durations in Argo's Go syntax (`1m`). */
export interface AnalysisSettings {
  readonly prometheusAddress: string;
  readonly interval: string;
  /** Measurements of an inline analysis step (and of pre/post-promotion analysis). */
  readonly count: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  /** Failed queries in a row (Prometheus down) before the metric is in Error. */
  readonly consecutiveErrorLimit: number;
  /** Range of the rate() in queries. */
  readonly rateWindow: string;
}

/** Argument names the Rollout passes to every template. */
export const ANALYSIS_ARGS = { canaryHash: 'canary-hash', namespace: 'namespace' } as const;

export const ANALYSIS_TEMPLATES = {
  successRate: 'search-success-rate',
  latency: 'search-latency',
  successRateBackground: 'search-success-rate-background',
  latencyBackground: 'search-latency-background',
  errorBudget: 'search-error-budget',
} as const;

export interface AnalysisTemplateSpec {
  readonly name: string;
  readonly spec: Record<string, unknown>;
}

const arg = (name: string) => `{{args.${name}}}`;
const canaryPods = `${LABELS.namespace}="${arg(ANALYSIS_ARGS.namespace)}",${LABELS.podTemplateHash}="${arg(ANALYSIS_ARGS.canaryHash)}"`;

/**
 * `result` is empty when the canary had no traffic, and NaN for 0/0: neither is
 * success nor failure, so the measurement is Inconclusive, never a silent pass.
 */
function conditions(threshold: number): { successCondition: string; failureCondition: string } {
  const measured = 'len(result) > 0 && !isNaN(result[0])';
  return { successCondition: `${measured} && result[0] >= ${promNumber(threshold)}`, failureCondition: `${measured} && result[0] < ${promNumber(threshold)}` };
}

function metric(name: string, query: string, threshold: number, settings: AnalysisSettings, count: number | undefined): Record<string, unknown> {
  return {
    name,
    interval: settings.interval,
    ...(count === undefined ? {} : { count }),
    failureLimit: settings.failureLimit,
    inconclusiveLimit: settings.inconclusiveLimit,
    consecutiveErrorLimit: settings.consecutiveErrorLimit,
    ...conditions(threshold),
    provider: { prometheus: { address: settings.prometheusAddress, query } },
  };
}

function template(name: string, metrics: Record<string, unknown>[]): AnalysisTemplateSpec {
  return { name, spec: { args: [{ name: ANALYSIS_ARGS.canaryHash }, { name: ANALYSIS_ARGS.namespace }], metrics } };
}

/** Share of the canary's requests that did not fail: the availability SLI on the canary pods only. */
export function successRateQuery(window: string): string {
  return [
    `sum(rate(${METRICS.requests}{${canaryPods},${ERROR_CODE_MATCHER.replace('=~', '!~')}}[${window}]))`,
    `/ sum(rate(${METRICS.requests}{${canaryPods}}[${window}]))`,
  ].join('\n');
}

/** Share of the canary's requests faster than the SLO threshold: the latency SLI on the canary pods only. */
export function latencyQuery(thresholdSeconds: number, window: string): string {
  return [
    `sum(rate(${METRICS.duration}_bucket{${canaryPods},le="${thresholdSeconds}"}[${window}]))`,
    `/ sum(rate(${METRICS.duration}_count{${canaryPods}}[${window}]))`,
  ].join('\n');
}

/**
 * The analysis templates of one environment, judged by the SLO's own objectives:
 * a canary worse than the objective fails. Counted variants serve inline steps;
 * background ones run for the whole rollout, with the error-budget guard.
 */
export function analysisTemplates(slo: SloSpec, settings: AnalysisSettings): AnalysisTemplateSpec[] {
  const success = (count?: number) => metric('success-rate', successRateQuery(settings.rateWindow), slo.availability.objective, settings, count);
  const latency = (count?: number) => metric('latency', latencyQuery(slo.latency.thresholdSeconds, settings.rateWindow), slo.latency.objective, settings, count);
  const budget = {
    name: 'error-budget',
    interval: settings.interval,
    failureLimit: 0,
    consecutiveErrorLimit: settings.consecutiveErrorLimit,
    // No budget series yet (rules not evaluated) is no reason to block every release.
    successCondition: 'len(result) == 0 || isNaN(result[0]) || result[0] > 0',
    failureCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] <= 0',
    provider: { prometheus: { address: settings.prometheusAddress, query: `min(${RECORDS.budgetRemaining}{${LABELS.namespace}="${arg(ANALYSIS_ARGS.namespace)}"})` } },
  };
  return [
    template(ANALYSIS_TEMPLATES.successRate, [success(settings.count)]),
    template(ANALYSIS_TEMPLATES.latency, [latency(settings.count)]),
    template(ANALYSIS_TEMPLATES.successRateBackground, [success()]),
    template(ANALYSIS_TEMPLATES.latencyBackground, [latency()]),
    template(ANALYSIS_TEMPLATES.errorBudget, [budget]),
  ];
}
