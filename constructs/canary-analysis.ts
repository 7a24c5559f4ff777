import { Duration } from 'cdk8s';
import { AnalysisSettings } from '../monitoring/analysis-templates';
import { WINDOW_SECONDS } from '../monitoring/burn-rate-windows';
import { resolveSlo } from '../monitoring/slo';
import { errorBudget } from '../monitoring/slo-target';
import { EnvironmentSpec, RolloutStrategyKind } from './environment-spec';
import { goDuration } from './identity';

export const DEFAULT_MAX_BUDGET_BURN = 0.02;
export const DEFAULT_PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc:9090';
/** Scrape interval of the ServiceMonitor: errors reach Prometheus at most this late. */
const SCRAPE_SECONDS = 15;

/** The analysis policy of an environment with every default applied. */
export function analysisSettings(spec: EnvironmentSpec): AnalysisSettings & { readonly intervalSeconds: number } {
  const policy = spec.delivery.analysis ?? {};
  const interval = policy.interval ?? Duration.minutes(1);
  return {
    prometheusAddress: policy.prometheusUrl ?? DEFAULT_PROMETHEUS_URL,
    interval: goDuration(interval),
    intervalSeconds: interval.toSeconds(),
    count: policy.measurements ?? 3,
    failureLimit: policy.failureLimit ?? 1,
    inconclusiveLimit: policy.inconclusiveLimit ?? 2,
    consecutiveErrorLimit: policy.consecutiveErrorLimit ?? 2,
    rateWindow: goDuration(policy.rateWindow ?? Duration.minutes(2)),
  };
}

export interface BudgetBurn {
  /** Share of requests the broken version serves until it is aborted. */
  readonly trafficShare: number;
  /** Seconds from the first bad request to the abort. */
  readonly abortSeconds: number;
  /** Share of the SLO window's availability budget burned. */
  readonly budgetShare: number;
  readonly limit: number;
  /** Why that much: the traffic share and how long it lasts. */
  readonly exposure: string;
  /** One line for people: how much, against which limit, why. */
  readonly summary: string;
}

export const percent = (share: number) => `${Number((share * 100).toFixed(2))} %`;

/**
 * Worst-case budget burn of a completely broken version: it serves its traffic
 * share, failing every request, until background analysis aborts it after
 * failureLimit + 1 failed measurements (plus a scrape). Without a traffic router,
 * Argo Rollouts splits by pods, so the share is canary pods / all pods.
 */
export function worstCaseBudgetBurn(spec: EnvironmentSpec): BudgetBurn {
  const settings = analysisSettings(spec);
  const slo = resolveSlo(spec.slo).availability;
  const abortSeconds = settings.intervalSeconds * (settings.failureLimit + 1) + SCRAPE_SECONDS;
  let trafficShare = 1;
  let how = 'all traffic after promotion, until post-promotion analysis fails';
  if ((spec.delivery.strategy ?? RolloutStrategyKind.CANARY) === RolloutStrategyKind.CANARY) {
    const weight = spec.delivery.canary.steps[0]?.weight ?? 100;
    const canaryPods = Math.ceil((spec.replicas * weight) / 100);
    const stablePods = Math.max(spec.replicas - canaryPods, 1);
    trafficShare = canaryPods / (canaryPods + stablePods);
    how = `${percent(trafficShare)} of traffic (${canaryPods} canary and ${stablePods} stable pods at setWeight ${weight})`;
  }
  const budgetShare = (trafficShare * abortSeconds) / (errorBudget(slo.objective) * WINDOW_SECONDS[slo.window]);
  const limit = spec.delivery.maxBudgetBurn ?? DEFAULT_MAX_BUDGET_BURN;
  const exposure = `${how} for ${abortSeconds} s`;
  return {
    trafficShare,
    abortSeconds,
    budgetShare,
    limit,
    exposure,
    summary: `a completely broken version burns at most ${percent(budgetShare)} of the ${slo.window} availability error budget before it is aborted `
      + `(limit ${percent(limit)}): ${exposure}`,
  };
}
