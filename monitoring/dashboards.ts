/**
 * The Grafana dashboards of one environment, generated from its SLO spec: SLO
 * overview, languages, dependencies, canary vs stable. Pure: names come from
 * conventions.ts, numbers from the spec, JSON shape from dashboard-panels.ts.
 */
import { BURN_RATE_WINDOWS } from './burn-rate-windows';
import {
  AlertWindow, DASHBOARD_UIDS, ERROR_CODE_MATCHER, LABELS, METRICS, RECORDS, SLI_NAMES, SliName,
} from './conventions';
import { dashboardJson, PanelSpec, PanelTarget, Thresholds } from './dashboard-panels';
import { promNumber } from './rules';
import { SloSpec } from './slo';
import { errorBudget } from './slo-target';

export interface DashboardOptions {
  /** Suffixes uids and titles, e.g. `prod`. */
  readonly environment: string;
  /** Every query selects `namespace="<namespace>"`. */
  readonly namespace: string;
  readonly slo: SloSpec;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  /** The Grafana dashboard model, ready to serialize. */
  readonly json: Record<string, unknown>;
}

/** The burn rates shown per SLI: both ends of the fastest page and of the slowest ticket. */
export const OVERVIEW_BURN_WINDOWS: readonly AlertWindow[] = ['5m', '1h', '6h', '3d'];
/** Rate window of live panels: smooths a missed scrape, yet short enough to see a canary step go bad. */
const RATE_WINDOW = '5m';

const SLI_TITLES: Readonly<Record<SliName, string>> = {
  availability: 'Availability',
  latency: 'Latency',
  freshness: 'Freshness',
};

export function dashboards(options: DashboardOptions): Dashboard[] {
  const queries = new Queries(options.namespace);
  const dashboard = (uid: string, name: string, timeFrom: string, rows: readonly (readonly PanelSpec[])[]): Dashboard => {
    const envUid = `${uid}-${options.environment}`;
    const title = `Search / ${name} (${options.environment})`;
    return { uid: envUid, title, json: dashboardJson({ uid: envUid, title, tags: ['search-ops', options.environment], timeFrom, rows }) };
  };
  return [
    dashboard(DASHBOARD_UIDS.slo, 'SLO overview', 'now-24h', SLI_NAMES.map((sli) => sloRow(sli, options.slo, queries))),
    dashboard(DASHBOARD_UIDS.languages, 'Languages', 'now-24h', languageRows(options.slo, queries)),
    dashboard(DASHBOARD_UIDS.dependencies, 'Dependencies', 'now-24h', dependencyRows(options.slo, queries)),
    // A canary step lasts minutes: three hours shows the whole rollout and the stable baseline before it.
    dashboard(DASHBOARD_UIDS.canary, 'Canary vs stable', 'now-3h', canaryRows(options.slo, queries)),
  ];
}

/** PromQL of one namespace; every selector carries the namespace matcher. */
class Queries {
  constructor(private readonly namespace: string) {}

  selector(...matchers: string[]): string {
    return `{${[`${LABELS.namespace}="${this.namespace}"`, ...matchers].join(',')}}`;
  }

  requestRate(by: string): string {
    return `sum by (${by}) (rate(${METRICS.requests}${this.selector()}[${RATE_WINDOW}]))`;
  }

  errorRatio(by: string): string {
    const errors = `sum by (${by}) (rate(${METRICS.requests}${this.selector(ERROR_CODE_MATCHER)}[${RATE_WINDOW}]))`;
    // `or 0 * total`: a track without any 5xx shows 0, not "no data".
    return `(${errors} or 0 * ${this.requestRate(by)}) / ${this.requestRate(by)}`;
  }

  p99(histogram: string, by: string): string {
    return `histogram_quantile(0.99, sum by (le, ${by}) (rate(${histogram}_bucket${this.selector()}[${RATE_WINDOW}])))`;
  }

  sliRecord(record: string, sli: SliName): string {
    return `${record}${this.selector(`${LABELS.slo}="${sli}"`)}`;
  }

  indexAge(): string {
    return `time() - max(${METRICS.indexLastUpdate}${this.selector()})`;
  }
}

const legend = (label: string): string => `{{${label}}}`;

/** Green below `limit`, red from it: a value that must stay under a bound. */
const upperBound = (limit: number): Thresholds => ({ base: 'green', steps: [{ value: limit, color: 'red' }] });

/** Each burn-rate alert's factor as a line: crossing it over both windows pages or opens a ticket. */
const burnRateThresholds: Thresholds = {
  base: 'green',
  steps: [...BURN_RATE_WINDOWS]
    .sort((a, b) => a.factor - b.factor)
    .map((window) => ({ value: window.factor, color: window.severity === 'critical' ? 'red' : 'orange' })),
};

function sloRow(sli: SliName, slo: SloSpec, queries: Queries): PanelSpec[] {
  const { objective, window } = slo[sli];
  const budget = promNumber(errorBudget(objective));
  const name = SLI_TITLES[sli];
  return [
    {
      kind: 'stat',
      title: `${name}: error budget remaining`,
      description: `Share of the ${window} error budget left: 100% untouched, below 0 overspent.`,
      unit: 'percentunit',
      decimals: 1,
      thresholds: { base: 'red', steps: [{ value: 0, color: 'orange' }, { value: 0.5, color: 'green' }] },
      targets: [{ expr: queries.sliRecord(RECORDS.budgetRemaining, sli), legendFormat: 'remaining' }],
      width: 6,
    },
    {
      kind: 'stat',
      title: `${name}: SLI over ${window}`,
      description: `Share of good ${sli === 'freshness' ? 'time' : 'requests'} over ${window}; green from the objective ${promNumber(objective)}.`,
      unit: 'percentunit',
      // Three decimals tell 99.95% from 99.9%, the difference between met and missed.
      decimals: 3,
      thresholds: { base: 'red', steps: [{ value: objective, color: 'green' }] },
      targets: [{ expr: `1 - ${queries.sliRecord(RECORDS.errorRatio(window), sli)}`, legendFormat: 'SLI' }],
      width: 6,
    },
    {
      kind: 'timeseries',
      title: `${name}: burn rate`,
      description: `Error ratio divided by the budget (${budget}): 1 spends exactly the budget over ${window}. Lines mark the alert factors.`,
      unit: 'suffix:x',
      thresholds: burnRateThresholds,
      targets: OVERVIEW_BURN_WINDOWS.map((burnWindow): PanelTarget => ({
        expr: `${queries.sliRecord(RECORDS.errorRatio(burnWindow), sli)} / ${budget}`,
        legendFormat: burnWindow,
      })),
      width: 12,
    },
  ];
}

function languageRows(slo: SloSpec, queries: Queries): PanelSpec[][] {
  const budget = errorBudget(slo.availability.objective);
  return [
    [
      {
        kind: 'timeseries',
        title: 'Requests per second by language',
        description: 'Finished search requests per second, per query language.',
        unit: 'reqps',
        targets: [{ expr: queries.requestRate(LABELS.lang), legendFormat: legend(LABELS.lang) }],
      },
      {
        kind: 'timeseries',
        title: `Error ratio by language (${RATE_WINDOW})`,
        description: `Share of 5xx responses per language; the line is the availability budget (${promNumber(budget)}).`,
        unit: 'percentunit',
        thresholds: upperBound(budget),
        targets: [{ expr: queries.errorRatio(LABELS.lang), legendFormat: legend(LABELS.lang) }],
      },
    ],
    [
      {
        kind: 'timeseries',
        title: 'p99 latency by language',
        description: `99th percentile request duration per language; the line is the latency SLO threshold (${slo.latency.thresholdSeconds} s).`,
        unit: 's',
        thresholds: upperBound(slo.latency.thresholdSeconds),
        targets: [{ expr: queries.p99(METRICS.duration, LABELS.lang), legendFormat: legend(LABELS.lang) }],
      },
      {
        kind: 'timeseries',
        title: 'Error ratio by language (1h, as alerted)',
        description: 'The recorded per-language error ratio the language burn-rate alert reads.',
        unit: 'percentunit',
        thresholds: upperBound(budget),
        targets: [{ expr: `${RECORDS.errorRatioByLang('1h')}${queries.selector()}`, legendFormat: legend(LABELS.lang) }],
      },
    ],
  ];
}

function dependencyRows(slo: SloSpec, queries: Queries): PanelSpec[][] {
  const maxAge = slo.freshness.maxAgeSeconds;
  return [
    [
      {
        kind: 'stat',
        title: 'Dependency up (worst pod)',
        description: 'Down as soon as one pod sees the dependency fail its last check.',
        unit: 'short',
        mappings: [{ value: 0, text: 'down', color: 'red' }, { value: 1, text: 'up', color: 'green' }],
        targets: [{ expr: `min by (${LABELS.check}) (${METRICS.checkUp}${queries.selector()})`, legendFormat: legend(LABELS.check) }],
      },
      {
        kind: 'timeseries',
        title: 'Pods seeing each dependency up',
        description: 'Share of pods whose last check passed: below 100% on some pods only points at their node or network path.',
        unit: 'percentunit',
        targets: [{ expr: `avg by (${LABELS.check}) (${METRICS.checkUp}${queries.selector()})`, legendFormat: legend(LABELS.check) }],
      },
    ],
    [
      {
        kind: 'timeseries',
        title: 'Dependency check p99 duration',
        description: 'How long the health checks take: a slow dependency shows here before it times out.',
        unit: 's',
        targets: [{ expr: queries.p99(METRICS.checkDuration, LABELS.check), legendFormat: legend(LABELS.check) }],
      },
      {
        kind: 'timeseries',
        title: 'Index age',
        description: `Seconds since the newest successful index update; the line is the freshness threshold (${maxAge} s).`,
        unit: 's',
        thresholds: upperBound(maxAge),
        targets: [{ expr: queries.indexAge(), legendFormat: 'age' }],
      },
    ],
  ];
}

function canaryRows(slo: SloSpec, queries: Queries): PanelSpec[][] {
  const budget = errorBudget(slo.availability.objective);
  const latency = slo.latency.thresholdSeconds;
  // Per track to compare canary with stable, per pod template hash to tell the versions apart mid-rollout.
  const splits = [{ label: LABELS.track, name: 'track' }, { label: LABELS.podTemplateHash, name: 'pod template hash' }];
  return splits.map(({ label, name }): PanelSpec[] => [
    {
      kind: 'timeseries',
      title: `Request rate by ${name}`,
      description: 'Requests per second: the canary share should follow the rollout weight.',
      unit: 'reqps',
      targets: [{ expr: queries.requestRate(label), legendFormat: legend(label) }],
    },
    {
      kind: 'timeseries',
      title: `Error ratio by ${name}`,
      description: `Share of 5xx responses; the line is the availability budget (${promNumber(budget)}).`,
      unit: 'percentunit',
      thresholds: upperBound(budget),
      targets: [{ expr: queries.errorRatio(label), legendFormat: legend(label) }],
    },
    {
      kind: 'timeseries',
      title: `p99 latency by ${name}`,
      description: `99th percentile request duration; the line is the latency SLO threshold (${latency} s).`,
      unit: 's',
      thresholds: upperBound(latency),
      targets: [{ expr: queries.p99(METRICS.duration, label), legendFormat: legend(label) }],
    },
  ]);
}
