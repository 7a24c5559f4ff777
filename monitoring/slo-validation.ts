import { BURN_RATE_WINDOWS, WINDOW_SECONDS } from './burn-rate-windows';
import { DURATION_BUCKETS, SLI_NAMES } from './conventions';
import { SloSpec } from './slo';

/** A problem of one SLO field; the caller adds which environment it belongs to. */
export interface SloProblem {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
}

export interface SloCheckOptions {
  /**
   * Seconds from the first bad request to a page: scrape, rule evaluation and
   * Alertmanager's group_wait. A budget that runs out faster cannot be defended.
   * @defaultValue 90
   */
  readonly detectionSeconds?: number;
}

export const DEFAULT_DETECTION_SECONDS = 90;
const KNOWN_WINDOWS = ['30d'];
const PAGE_FACTOR = Math.max(...BURN_RATE_WINDOWS.map((w) => w.factor));

/** Errors: a spec that cannot be alerted on as specified. */
export function sloErrors(slo: SloSpec): SloProblem[] {
  const problems: SloProblem[] = [];
  for (const sli of SLI_NAMES) {
    const { objective, window } = slo[sli];
    if (!(objective > 0 && objective < 1)) {
      problems.push({ field: `slo.${sli}.objective`, value: objective, rule: 'must be between 0 and 1, both excluded' });
      continue;
    }
    if (!KNOWN_WINDOWS.includes(window)) {
      problems.push({ field: `slo.${sli}.window`, value: window, rule: `must be one of ${KNOWN_WINDOWS.join(', ')}: the burn-rate windows are defined for it` });
    }
    const needed = PAGE_FACTOR * (1 - objective);
    if (needed > 1) {
      const minimum = Number((1 - 1 / PAGE_FACTOR).toFixed(6));
      problems.push({
        field: `slo.${sli}.objective`,
        value: objective,
        rule: `makes the ${PAGE_FACTOR}x page unreachable: it needs an error ratio of ${Number((needed * 100).toFixed(2))} %, above 100 %; use an objective of at least ${minimum}`,
      });
    }
  }
  if (!DURATION_BUCKETS.includes(slo.latency.thresholdSeconds)) {
    problems.push({ field: 'slo.latency.thresholdSeconds', value: slo.latency.thresholdSeconds, rule: `must be one of the histogram's buckets (${DURATION_BUCKETS.join(', ')})` });
  }
  if (!(slo.freshness.maxAgeSeconds > 0)) {
    problems.push({ field: 'slo.freshness.maxAgeSeconds', value: slo.freshness.maxAgeSeconds, rule: 'must be greater than zero' });
  }
  return problems;
}

/** Warnings: valid, but a total outage would spend the whole budget before anyone is paged. */
export function sloWarnings(slo: SloSpec, options: SloCheckOptions = {}): SloProblem[] {
  const detection = options.detectionSeconds ?? DEFAULT_DETECTION_SECONDS;
  return SLI_NAMES.flatMap((sli) => {
    const { objective, window } = slo[sli];
    const exhaustedAfter = (WINDOW_SECONDS[window] ?? 0) * (1 - objective);
    if (exhaustedAfter >= detection) return [];
    return [{
      field: `slo.${sli}.objective`,
      value: objective,
      rule: `leaves a budget that a total outage spends in ${Math.round(exhaustedAfter)} s, faster than detection (${detection} s: scrape, evaluation, notification)`,
    }];
  });
}
