import { ALERT_WINDOWS, DASHBOARD_UIDS, METRICS, RECORDS, SLI_NAMES, SliName } from '../../monitoring/conventions';
import { Dashboard, DashboardOptions, dashboards } from '../../monitoring/dashboards';
import { DEFAULT_SLO, resolveSlo, SloOverrides } from '../../monitoring/slo';

/** The parts of the Grafana model these tests read. */
interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource: unknown;
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource: unknown;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly fieldConfig: { readonly defaults: { readonly unit: string; readonly thresholds: { readonly steps: readonly { readonly value: number | null }[] } } };
  readonly targets: readonly Target[];
}

const PROD: DashboardOptions = { environment: 'prod', namespace: 'search-prod', slo: DEFAULT_SLO };
const STAGING: DashboardOptions = { environment: 'staging', namespace: 'search-staging', slo: resolveSlo({ availability: { objective: 0.99 } }) };
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const panelsOf = (dashboard: Dashboard): Panel[] => dashboard.json.panels as Panel[];
const allPanels = (options: DashboardOptions): Panel[] => dashboards(options).flatMap(panelsOf);
const allExprs = (options: DashboardOptions): string[] => allPanels(options).flatMap((panel) => panel.targets.map((target) => target.expr));
const byUid = (options: DashboardOptions, uid: string): Dashboard => {
  const found = dashboards(options).find((dashboard) => dashboard.uid === uid);
  if (!found) throw new Error(`no dashboard ${uid}`);
  return found;
};
const panel = (dashboard: Dashboard, title: string): Panel => {
  const found = panelsOf(dashboard).find((candidate) => candidate.title === title);
  if (!found) throw new Error(`no panel '${title}' in ${dashboard.uid}`);
  return found;
};
const thresholdValues = (p: Panel): (number | null)[] => p.fieldConfig.defaults.thresholds.steps.map((step) => step.value);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}

/** Quoted label values may hold any character; the structure checks skip them. */
const withoutStrings = (expr: string): string => expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');

/** True when (), [] and {} nest properly. */
function isBalanced(expr: string): boolean {
  const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const open: string[] = [];
  for (const char of withoutStrings(expr)) {
    if ('([{'.includes(char)) open.push(char);
    else if (char in closing && open.pop() !== closing[char]) return false;
  }
  return open.length === 0;
}

/** Names of series the expression reads: identifiers right before a selector or a range. */
const seriesNames = (expr: string): string[] => [...withoutStrings(expr).matchAll(/([A-Za-z_:][\w:]*)(?=[{[])/g)].map((match) => match[1]);
/** The label matchers of every `name{...}` selector. */
const selectors = (expr: string): string[] => [...expr.matchAll(/[A-Za-z_:][\w:]*\{([^}]*)\}/g)].map((match) => match[1]);

const HISTOGRAMS = [METRICS.duration, METRICS.checkDuration];
const KNOWN_SERIES = new Set<string>([
  ...Object.values(METRICS),
  ...HISTOGRAMS.flatMap((histogram) => ['_bucket', '_sum', '_count'].map((suffix) => `${histogram}${suffix}`)),
  ...[...ALERT_WINDOWS, '30d'].map((window) => RECORDS.errorRatio(window)),
  ...ALERT_WINDOWS.flatMap((window) => [RECORDS.errorRatioByLang(window), RECORDS.requestRateByLang(window)]),
  RECORDS.indexStale, RECORDS.budgetRemaining, RECORDS.objective,
]);

const TITLES: Readonly<Record<SliName, string>> = { availability: 'Availability', latency: 'Latency', freshness: 'Freshness' };

describe('GIVEN the prod defaults WHEN generating dashboards THEN there is one per view, named after the environment', () => {
  test('four dashboards with the conventions uids suffixed by the environment, in a fixed order', () => {
    expect(dashboards(PROD).map(({ uid, title }) => ({ uid, title }))).toEqual([
      { uid: `${DASHBOARD_UIDS.slo}-prod`, title: 'Search / SLO overview (prod)' },
      { uid: `${DASHBOARD_UIDS.languages}-prod`, title: 'Search / Languages (prod)' },
      { uid: `${DASHBOARD_UIDS.dependencies}-prod`, title: 'Search / Dependencies (prod)' },
      { uid: `${DASHBOARD_UIDS.canary}-prod`, title: 'Search / Canary vs stable (prod)' },
    ]);
  });

  test('the json repeats the uid and title, is read-only, schema 39, with a prometheus datasource variable', () => {
    for (const dashboard of dashboards(PROD)) {
      expect(dashboard.json).toMatchObject({ uid: dashboard.uid, title: dashboard.title, editable: false, schemaVersion: 39 });
      expect(dashboard.json.templating).toEqual({
        list: [expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })],
      });
    }
  });

  test.each([
    [DASHBOARD_UIDS.slo, 'now-24h'],
    [DASHBOARD_UIDS.languages, 'now-24h'],
    [DASHBOARD_UIDS.dependencies, 'now-24h'],
    [DASHBOARD_UIDS.canary, 'now-3h'],
  ])('%s shows from %s to now', (uid, from) => {
    expect(byUid(PROD, `${uid}-prod`).json.time).toEqual({ from, to: 'now' });
  });

  test('snapshot of the prod dashboards', () => {
    expect(dashboards(PROD)).toMatchSnapshot();
  });
});

describe.each([
  ['prod', PROD],
  ['staging', STAGING],
])('GIVEN %s WHEN reading every panel THEN', (_name, options) => {
  test('every panel and every target reads the ${datasource} variable', () => {
    for (const p of allPanels(options)) {
      expect(p.datasource).toEqual(DATASOURCE);
      for (const target of p.targets) expect(target.datasource).toEqual(DATASOURCE);
    }
  });

  test('panel ids run 1, 2, 3... in each dashboard and refIds are unique within a panel', () => {
    for (const dashboard of dashboards(options)) {
      const panels = panelsOf(dashboard);
      expect(panels.map((p) => p.id)).toEqual(panels.map((_p, index) => index + 1));
      for (const p of panels) expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
    }
  });

  test('panels are timeseries or stat, fit the 24-column grid and never overlap', () => {
    for (const dashboard of dashboards(options)) {
      const cells = new Set<string>();
      for (const p of panelsOf(dashboard)) {
        expect(['timeseries', 'stat']).toContain(p.type);
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  test(`every expression selects namespace="${options.namespace}" on every series it reads`, () => {
    for (const expr of allExprs(options)) {
      expect(selectors(expr).length).toBeGreaterThan(0);
      expect(selectors(expr)).toHaveLength(seriesNames(expr).length);
      for (const matchers of selectors(expr)) expect(matchers.split(',')).toContain(`namespace="${options.namespace}"`);
    }
  });

  test('every expression has balanced brackets and reads only series named in conventions.ts', () => {
    for (const expr of allExprs(options)) {
      expect({ expr, balanced: isBalanced(expr) }).toEqual({ expr, balanced: true });
      for (const name of seriesNames(expr)) expect({ expr, name, known: KNOWN_SERIES.has(name) }).toEqual({ expr, name, known: true });
    }
  });
});

describe('GIVEN the bracket check WHEN fed broken expressions THEN it rejects them', () => {
  test.each(['sum(rate(x{a="b"}[5m])', 'x{a="b"]', 'rate(x[5m)]'])('%s', (expr) => {
    expect(isBalanced(expr)).toBe(false);
  });

  test('brackets inside label values do not count', () => {
    expect(isBalanced('x{a=~"(5.."}')).toBe(true);
  });
});

describe('GIVEN non-default objectives WHEN generating the SLO overview THEN the burn rates divide by 1 - objective', () => {
  const overrides: SloOverrides = { availability: { objective: 0.995 }, latency: { objective: 0.98 }, freshness: { objective: 0.999 } };
  const options: DashboardOptions = { ...PROD, slo: resolveSlo(overrides) };
  const overview = byUid(options, `${DASHBOARD_UIDS.slo}-prod`);

  test.each<[SliName, number, string]>([
    ['availability', 0.995, '0.005'],
    ['latency', 0.98, '0.02'],
    ['freshness', 0.999, '0.001'],
  ])('%s: objective %s gives a budget of %s over 5m, 1h, 6h and 3d', (sli, objective, budget) => {
    const targets = panel(overview, `${TITLES[sli]}: burn rate`).targets;
    expect(targets.map((t) => t.expr)).toEqual(['5m', '1h', '6h', '3d'].map(
      (window) => `${RECORDS.errorRatio(window)}{namespace="search-prod",slo="${sli}"} / ${budget}`,
    ));
    expect(Number(budget)).toBeCloseTo(1 - objective, 12);
  });

  test.each(SLI_NAMES)('%s: the objective is the threshold of the 30d SLI stat', (sli) => {
    const stat = panel(overview, `${TITLES[sli]}: SLI over 30d`);
    expect(stat.type).toBe('stat');
    expect(thresholdValues(stat)).toEqual([null, options.slo[sli].objective]);
  });

  test.each(SLI_NAMES)('%s: the budget remaining reads its record', (sli) => {
    expect(panel(overview, `${TITLES[sli]}: error budget remaining`).targets.map((t) => t.expr))
      .toEqual([`${RECORDS.budgetRemaining}{namespace="search-prod",slo="${sli}"}`]);
  });
});

describe('GIVEN a non-default latency and freshness threshold WHEN generating THEN the lines follow the SLO', () => {
  const options: DashboardOptions = { ...PROD, slo: resolveSlo({ latency: { thresholdSeconds: 0.5 }, freshness: { maxAgeSeconds: 900 } }) };

  test.each<[string, string, string, number]>([
    [DASHBOARD_UIDS.dependencies, 'Index age', 's', 900],
    [DASHBOARD_UIDS.languages, 'p99 latency by language', 's', 0.5],
    [DASHBOARD_UIDS.canary, 'p99 latency by track', 's', 0.5],
    [DASHBOARD_UIDS.languages, 'Error ratio by language (5m)', 'percentunit', 0.001],
    [DASHBOARD_UIDS.canary, 'Error ratio by pod template hash', 'percentunit', 0.001],
  ])('%s / %s: unit %s, threshold %s', (uid, title, unit, threshold) => {
    const p = panel(byUid(options, `${uid}-prod`), title);
    expect(p.fieldConfig.defaults.unit).toBe(unit);
    expect(thresholdValues(p)).toEqual([null, threshold]);
  });
});

describe('GIVEN the languages, dependencies and canary dashboards WHEN reading their queries THEN', () => {
  const ns = 'namespace="search-prod"';
  test.each<[string, string, string, string]>([
    [DASHBOARD_UIDS.languages, 'Requests per second by language', 'reqps', `sum by (lang) (rate(${METRICS.requests}{${ns}}[5m]))`],
    [DASHBOARD_UIDS.languages, 'p99 latency by language', 's',
      `histogram_quantile(0.99, sum by (le, lang) (rate(${METRICS.duration}_bucket{${ns}}[5m])))`],
    [DASHBOARD_UIDS.languages, 'Error ratio by language (1h, as alerted)', 'percentunit', `${RECORDS.errorRatioByLang('1h')}{${ns}}`],
    [DASHBOARD_UIDS.dependencies, 'Dependency up (worst pod)', 'short', `min by (check) (${METRICS.checkUp}{${ns}})`],
    [DASHBOARD_UIDS.dependencies, 'Dependency check p99 duration', 's',
      `histogram_quantile(0.99, sum by (le, check) (rate(${METRICS.checkDuration}_bucket{${ns}}[5m])))`],
    [DASHBOARD_UIDS.dependencies, 'Index age', 's', `time() - max(${METRICS.indexLastUpdate}{${ns}})`],
    [DASHBOARD_UIDS.canary, 'Request rate by track', 'reqps', `sum by (track) (rate(${METRICS.requests}{${ns}}[5m]))`],
    [DASHBOARD_UIDS.canary, 'Error ratio by track', 'percentunit',
      `(sum by (track) (rate(${METRICS.requests}{${ns},code=~"5.."}[5m])) or 0 * sum by (track) (rate(${METRICS.requests}{${ns}}[5m])))`
      + ` / sum by (track) (rate(${METRICS.requests}{${ns}}[5m]))`],
    [DASHBOARD_UIDS.canary, 'p99 latency by pod template hash', 's',
      `histogram_quantile(0.99, sum by (le, rollouts_pod_template_hash) (rate(${METRICS.duration}_bucket{${ns}}[5m])))`],
  ])('%s / %s is in %s and queries %s', (uid, title, unit, expr) => {
    const p = panel(byUid(PROD, `${uid}-prod`), title);
    expect(p.fieldConfig.defaults.unit).toBe(unit);
    expect(p.targets.map((t) => t.expr)).toEqual([expr]);
  });
});

describe('GIVEN the same options twice WHEN generating THEN the output is byte-identical', () => {
  test.each([
    ['prod', PROD],
    ['staging', STAGING],
  ])('%s', (_name, options) => {
    expect(JSON.stringify(dashboards(options))).toBe(JSON.stringify(dashboards(options)));
  });

  test('frozen options are accepted: the generator never writes to them', () => {
    const frozen = deepFreeze(JSON.parse(JSON.stringify(PROD)) as DashboardOptions);
    expect(dashboards(frozen)).toEqual(dashboards(PROD));
  });

  test('changing one result leaves the next one alone: no shared objects', () => {
    const pristine = JSON.stringify(dashboards(PROD));
    const first = dashboards(PROD);
    const burnRate = panel(first[0], 'Availability: burn rate') as unknown as { fieldConfig: { defaults: { thresholds: { steps: unknown[] } } }; datasource: { uid: string } };
    burnRate.fieldConfig.defaults.thresholds.steps.push({ color: 'blue', value: 99 });
    burnRate.datasource.uid = 'changed';
    expect(JSON.stringify(dashboards(PROD))).toBe(pristine);
  });
});
