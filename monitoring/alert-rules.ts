import { DEPENDENCY_CHECKS } from '../health/contract';
import { BURN_RATE_WINDOWS, BurnRateWindow, Severity } from './burn-rate-windows';
import { ALERTS, BURN_ALERTS, LABELS, METRICS, RECORDS, SLI_NAMES, SliName } from './conventions';
import { LANGUAGE_WINDOWS } from './recording-rules';
import { AlertingRule, promNumber, RuleGroup } from './rules';
import { errorBudget, namespaceMatcher, SloTarget } from './slo-target';

export interface AlertOptions {
  /** Where `runbooks/` is browsable; `runbook_url` is `<base>/<AlertName>.md`. */
  readonly runbookBaseUrl: string;
  /**
   * Requests per second (over 1 h) below which a language cannot page: a handful
   * of failed requests is not an incident.
   * @defaultValue 0.05 (180 requests an hour)
   */
  readonly languageMinRequestsPerSecond?: number;
}

export const DEFAULT_LANGUAGE_MIN_RPS = 0.05;

/** How long each window pair must hold before it notifies. */
const BURN_FOR: Readonly<Record<string, string>> = { '1h': '1m', '6h': '5m', '1d': '15m', '3d': '30m' };
const SLI_TEXT: Readonly<Record<SliName, string>> = {
  availability: 'requests failing with a 5xx',
  latency: 'requests slower than the latency threshold',
  freshness: 'time with a stale index',
};

/** The one place that attaches `runbook_url`, so no alert can lack one. */
export function withRunbook(rule: Omit<AlertingRule, 'annotations'> & { annotations: Record<string, string> }, baseUrl: string): AlertingRule {
  return { ...rule, annotations: { ...rule.annotations, runbook_url: `${baseUrl.replace(/\/$/, '')}/${rule.alert}.md` } };
}

function labels(target: SloTarget, severity: Severity, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABELS.severity]: severity, environment: target.environment, paging: String(target.paging), ...extra };
}

function burnAlert(sli: SliName, window: BurnRateWindow, target: SloTarget): Omit<AlertingRule, 'annotations'> & { annotations: Record<string, string> } {
  const threshold = promNumber(window.factor * errorBudget(target.slo[sli].objective));
  const series = (w: string) => `${RECORDS.errorRatio(w)}{${namespaceMatcher(target)},${LABELS.slo}="${sli}"}`;
  return {
    alert: BURN_ALERTS[sli],
    expr: [
      `# ${window.factor}x burn rate: ${promNumber(window.budgetSpent * 100)} % of the ${target.slo[sli].window} budget in ${window.longWindow},`,
      `# confirmed by the ${window.shortWindow} window so that the alert stops soon after the errors do.`,
      `${series(window.longWindow)} > ${threshold}`,
      'and',
      `${series(window.shortWindow)} > ${threshold}`,
    ].join('\n'),
    for: BURN_FOR[window.longWindow],
    labels: labels(target, window.severity, { [LABELS.slo]: sli, long_window: window.longWindow }),
    annotations: {
      summary: `The search ${sli} error budget is burning ${window.factor} times too fast.`,
      description: `{{ $labels.namespace }}: {{ $value | humanizePercentage }} of ${SLI_TEXT[sli]} over ${window.longWindow} `
        + `(objective ${promNumber(target.slo[sli].objective * 100)} %); at this rate the ${target.slo[sli].window} budget lasts `
        + `${promNumber(30 / window.factor)} days.`,
    },
  };
}

function languageAlert(target: SloTarget, minRps: number): Omit<AlertingRule, 'annotations'> & { annotations: Record<string, string> } {
  const fastest = BURN_RATE_WINDOWS[0];
  const threshold = promNumber(fastest.factor * errorBudget(target.slo.availability.objective));
  const ns = namespaceMatcher(target);
  const [short, long] = LANGUAGE_WINDOWS;
  return {
    alert: ALERTS.languageBurn,
    expr: [
      `# One language burning the availability budget at ${fastest.factor}x, even when it is too small a share to move the global ratio.`,
      `${RECORDS.errorRatioByLang(long)}{${ns}} > ${threshold}`,
      `and ${RECORDS.errorRatioByLang(short)}{${ns}} > ${threshold}`,
      '# Minimum traffic: a language with a handful of requests cannot page.',
      `and ${RECORDS.requestRateByLang(long)}{${ns}} > ${promNumber(minRps)}`,
    ].join('\n'),
    for: BURN_FOR[fastest.longWindow],
    labels: labels(target, 'critical', { [LABELS.slo]: 'availability' }),
    annotations: {
      summary: 'Search requests in one language are failing far faster than the error budget allows.',
      description: '{{ $labels.namespace }}: {{ $value | humanizePercentage }} of requests in language {{ $labels.lang }} failed over 1h.',
    },
  };
}

function symptomAlerts(target: SloTarget): (Omit<AlertingRule, 'annotations'> & { annotations: Record<string, string> })[] {
  const ns = namespaceMatcher(target);
  const checks = (critical: boolean) => Object.entries(DEPENDENCY_CHECKS).filter(([, c]) => c.critical === critical).map(([name]) => name).join('|');
  const pods = `${ns},pod=~"search-engine-.*"`;
  return [
    {
      alert: ALERTS.dependencyDown,
      // max: down for every pod, so the dependency and not one pod's network is at fault.
      expr: `max by (${LABELS.namespace}, ${LABELS.check}) (${METRICS.checkUp}{${ns},${LABELS.check}=~"${checks(true)}"}) == 0`,
      for: '2m',
      labels: labels(target, 'critical'),
      annotations: {
        summary: 'A critical dependency of the search engine is unreachable from every pod.',
        description: '{{ $labels.namespace }}: the {{ $labels.check }} check has failed on every pod for 2 minutes; pods are not ready.',
      },
    },
    {
      alert: ALERTS.cacheDown,
      expr: `max by (${LABELS.namespace}, ${LABELS.check}) (${METRICS.checkUp}{${ns},${LABELS.check}=~"${checks(false)}"}) == 0`,
      for: '5m',
      labels: labels(target, 'warning'),
      annotations: {
        summary: 'The search cache is unreachable; search still works, slower.',
        description: '{{ $labels.namespace }}: the {{ $labels.check }} check has failed on every pod for 5 minutes.',
      },
    },
    {
      alert: ALERTS.indexStale,
      expr: `time() - max by (${LABELS.namespace}) (${METRICS.indexLastUpdate}{${ns}}) > ${target.slo.freshness.maxAgeSeconds}`,
      for: '10m',
      labels: labels(target, 'warning'),
      annotations: {
        summary: 'The search index has not been updated for longer than the freshness objective allows.',
        description: '{{ $labels.namespace }}: the newest index update is {{ $value | humanizeDuration }} old.',
      },
    },
    {
      alert: ALERTS.podsCrashLooping,
      expr: `max by (${LABELS.namespace}, ${LABELS.pod}, container) (max_over_time(kube_pod_container_status_waiting_reason{${pods},reason="CrashLoopBackOff"}[5m])) >= 1`,
      for: '15m',
      labels: labels(target, 'warning'),
      annotations: {
        summary: 'A search engine container keeps crashing.',
        description: '{{ $labels.namespace }}/{{ $labels.pod }}: container {{ $labels.container }} has been in CrashLoopBackOff for 15 minutes.',
      },
    },
    {
      alert: ALERTS.podsNotReady,
      expr: `sum by (${LABELS.namespace}, ${LABELS.pod}) (kube_pod_status_phase{${pods},phase=~"Pending|Unknown|Failed"}) > 0`,
      for: '15m',
      labels: labels(target, 'warning'),
      annotations: {
        summary: 'A search engine pod has not been running for 15 minutes.',
        description: '{{ $labels.namespace }}/{{ $labels.pod }} has been Pending, Unknown or Failed for 15 minutes.',
      },
    },
    {
      alert: ALERTS.metricsAbsent,
      expr: `absent(${METRICS.requests}{${ns}})`,
      for: '10m',
      labels: labels(target, 'critical'),
      annotations: {
        summary: 'No request metrics from the search engine: every SLO alert is blind.',
        description: '{{ $labels.namespace }}: no search_requests_total series for 10 minutes.',
      },
    },
    ...(target.backup === undefined ? [] : [{
      alert: ALERTS.backupTooOld,
      // kube-state-metrics' record of the CronJob's last successful run.
      expr: `time() - max by (${LABELS.namespace}, cronjob) (kube_cronjob_status_last_successful_time{${ns},cronjob="${target.backup.cronJob}"}) > ${target.backup.rpoSeconds}`,
      for: '10m',
      labels: labels(target, 'warning'),
      annotations: {
        summary: 'The newest successful backup is older than the recovery point objective.',
        description: `{{ $labels.namespace }}: the last successful run of {{ $labels.cronjob }} was {{ $value | humanizeDuration }} ago (RPO ${target.backup.rpoSeconds / 3600} h).`,
      },
    }]),
    {
      alert: ALERTS.watchdog,
      expr: 'vector(1)',
      labels: labels(target, 'info'),
      annotations: {
        summary: 'Always firing: proves that rules are evaluated and notifications delivered.',
        description: 'Watchdog of {{ $labels.environment }}; the heartbeat receiver pages when it stops arriving.',
      },
    },
  ];
}

/** Every alert of one environment, each with its runbook. */
export function alertRules(target: SloTarget, options: AlertOptions): RuleGroup[] {
  const rules = [
    ...SLI_NAMES.flatMap((sli) => BURN_RATE_WINDOWS.map((window) => burnAlert(sli, window, target))),
    languageAlert(target, options.languageMinRequestsPerSecond ?? DEFAULT_LANGUAGE_MIN_RPS),
    ...symptomAlerts(target),
  ];
  return [{ name: `search-ops-${target.environment}-alerts`, rules: rules.map((rule) => withRunbook(rule, options.runbookBaseUrl)) }];
}
