/**
 * Metric, label and rule names: the metric contract of DESIGN.md and the names
 * of everything generated from it. Every generator, dashboard, analysis template
 * and test takes names from here.
 */

export const METRICS = {
  requests: 'search_requests_total',
  duration: 'search_request_duration_seconds',
  indexLastUpdate: 'search_index_last_update_timestamp_seconds',
  checkUp: 'health_check_up',
  checkDuration: 'health_check_duration_seconds',
  buildInfo: 'search_ops_build_info',
} as const;

/** Buckets the engine's request duration histogram is guaranteed to have. */
export const DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5];

export const LABELS = {
  route: 'route',
  code: 'code',
  lang: 'lang',
  check: 'check',
  namespace: 'namespace',
  pod: 'pod',
  service: 'service',
  track: 'track',
  podTemplateHash: 'rollouts_pod_template_hash',
  slo: 'slo',
  severity: 'severity',
} as const;

/** Matcher of a failed request (DESIGN.md: error means 5xx). */
export const ERROR_CODE_MATCHER = `${LABELS.code}=~"5.."`;

export type SliName = 'availability' | 'latency' | 'freshness';
export const SLI_NAMES: readonly SliName[] = ['availability', 'latency', 'freshness'];

/** Windows the burn-rate alerts read, shortest first. */
export const ALERT_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type AlertWindow = (typeof ALERT_WINDOWS)[number];

/** Recording rules, in the `level:metric:operations` form of the Prometheus naming guide. */
export const RECORDS = {
  /** Error ratio of one SLI over a window, labelled `slo`. */
  errorRatio: (window: AlertWindow | string) => `slo:sli_error:ratio_rate${window}`,
  /** Availability error ratio per language over a window. */
  errorRatioByLang: (window: AlertWindow) => `slo:sli_error_by_lang:ratio_rate${window}`,
  /** Request rate per language over a window: the minimum-traffic guard. */
  requestRateByLang: (window: AlertWindow) => `slo:requests_by_lang:rate${window}`,
  /** 1 while the index is older than the freshness threshold, 0 otherwise. */
  indexStale: 'slo:index_stale:bool',
  /** Share of the SLO window's error budget left, 1 = untouched, negative = overspent. */
  budgetRemaining: 'slo:error_budget:remaining',
  /** The SLO objective as a series, for dashboards. */
  objective: 'slo:objective:ratio',
} as const;

/** The headless Service that selects every engine pod once: the one Prometheus scrapes. */
export const METRICS_SERVICE = 'search-engine-metrics';

/** The Prometheus job names the scrape configuration gives the two metric ports. */
export const JOBS = { engine: 'search-engine', health: 'search-engine-health' } as const;

/** The Grafana sidecar loads ConfigMaps carrying this label. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/** Every alert search-ops defines; each has `runbooks/<name>.md`. */
export const ALERTS = {
  availabilityBurn: 'SearchAvailabilityErrorBudgetBurn',
  latencyBurn: 'SearchLatencyErrorBudgetBurn',
  freshnessBurn: 'SearchFreshnessErrorBudgetBurn',
  languageBurn: 'SearchLanguageErrorBudgetBurn',
  dependencyDown: 'SearchDependencyDown',
  cacheDown: 'SearchCacheDown',
  indexStale: 'SearchIndexStale',
  podsCrashLooping: 'SearchPodsCrashLooping',
  podsNotReady: 'SearchPodsNotReady',
  metricsAbsent: 'SearchMetricsAbsent',
  backupTooOld: 'SearchBackupTooOld',
  watchdog: 'Watchdog',
} as const;
export type AlertName = (typeof ALERTS)[keyof typeof ALERTS];

/** The burn-rate alert of each SLI. */
export const BURN_ALERTS: Readonly<Record<SliName, AlertName>> = {
  availability: ALERTS.availabilityBurn,
  latency: ALERTS.latencyBurn,
  freshness: ALERTS.freshnessBurn,
};

/** Grafana dashboard UIDs: stable links for runbooks and alerts. */
export const DASHBOARD_UIDS = {
  slo: 'search-slo-overview',
  languages: 'search-languages',
  dependencies: 'search-dependencies',
  canary: 'search-canary',
} as const;
