import { ALERTS, BURN_ALERTS, SliName } from '../../monitoring/conventions';
import { sloRuleGroups } from '../../monitoring/rule-groups';
import { RuleGroup } from '../../monitoring/rules';
import { DEFAULT_SLO } from '../../monitoring/slo';
import { SloTarget } from '../../monitoring/slo-target';
import { FiringAlert, firingTimeline, InputSeries } from '../../scripts/promtool-timeline';
import { incidentSeries, REQUESTS_PER_MINUTE } from '../../scripts/slo-incidents';

/** The generated rules, evaluated by the real promtool over synthetic incidents. */
const target: SloTarget = { environment: 'prod', namespace: 'search-prod', slo: DEFAULT_SLO, paging: true };
const groups: RuleGroup[] = sloRuleGroups(target, { runbookBaseUrl: 'https://runbooks.example/runbooks' });
const ONSET = 120;
const range = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

function timeline(alertname: string, series: InputSeries[], minutes: number[]): FiringAlert[] {
  return firingTimeline({ groups, series, alertname, minutes });
}

const withSeverity = (alerts: FiringAlert[], severity: string) => alerts.filter((a) => a.labels.severity === severity);
const firstMinute = (alerts: FiringAlert[]) => Math.min(...alerts.map((a) => a.minute));
const lastMinute = (alerts: FiringAlert[]) => Math.max(...alerts.map((a) => a.minute));

describe.each<SliName>(['availability', 'latency'])('GIVEN the %s SLO (request based)', (sli) => {
  const alertname = BURN_ALERTS[sli];
  const incident = (badRatio: number, duration: number, horizon: number) => incidentSeries(sli, { namespace: target.namespace, onset: ONSET, duration, badRatio, horizon });

  test('WHEN every request is bad THEN the fast page fires as soon as 14.4x of the budget has gone over 1h (within 2 minutes for availability)', () => {
    // The 1h ratio reaches 14.4 x budget after that share of an hour; then `for: 1m` and one evaluation.
    const bound = sli === 'availability' ? 2 : Math.ceil(14.4 * (1 - DEFAULT_SLO[sli].objective) * 60) + 2;
    const firing = timeline(alertname, incident(1, 60, ONSET + 20), range(ONSET, ONSET + 20));
    const page = firing.filter((a) => a.labels.long_window === '1h');
    expect(page.length).toBeGreaterThan(0);
    expect(firstMinute(page) - ONSET).toBeLessThanOrEqual(bound);
    expect(page[0].labels).toMatchObject({ severity: 'critical', paging: 'true', slo: sli, namespace: target.namespace });
  });

  test('WHEN the budget burns 20 times too fast THEN the page fires', () => {
    const firing = timeline(alertname, incident(20 * (1 - DEFAULT_SLO[sli].objective), 180, ONSET + 180), range(ONSET, ONSET + 180, 5));
    expect(withSeverity(firing, 'critical').length).toBeGreaterThan(0);
  });

  test('WHEN the budget burns 2 times too fast for 3 days THEN only the ticket fires, never the page', () => {
    const horizon = ONSET + 3 * 1440;
    const firing = timeline(alertname, incident(2 * (1 - DEFAULT_SLO[sli].objective), 3 * 1440, horizon), range(ONSET, horizon, 60));
    expect(withSeverity(firing, 'critical')).toEqual([]);
    expect(withSeverity(firing, 'warning').length).toBeGreaterThan(0);
  });

  test('WHEN errors stay inside the SLO for a simulated week THEN nothing fires', () => {
    const horizon = 7 * 1440;
    const inside = incidentSeries(sli, { namespace: target.namespace, onset: 0, duration: horizon, badRatio: 0.5 * (1 - DEFAULT_SLO[sli].objective), horizon });
    expect(timeline(alertname, inside, range(60, horizon, 60))).toEqual([]);
  });

  test('WHEN a short total outage ends THEN the 1h/5m page clears within 10 minutes and every page within 35', () => {
    const end = ONSET + 10;
    const firing = timeline(alertname, incident(1, 10, ONSET + 120), range(ONSET, ONSET + 120));
    const pages = withSeverity(firing, 'critical');
    expect(pages.length).toBeGreaterThan(0);
    expect(lastMinute(pages.filter((a) => a.labels.long_window === '1h')) - end).toBeLessThan(10);
    expect(lastMinute(pages) - end).toBeLessThan(35);
  });
});

describe('GIVEN the freshness SLO (time based)', () => {
  test('WHEN index updates stop THEN the page fires once the index is stale, and clears after updates resume', () => {
    const series = incidentSeries('freshness', { namespace: target.namespace, onset: ONSET, duration: 90, badRatio: 1, horizon: ONSET + 180 });
    const pages = withSeverity(timeline(ALERTS.freshnessBurn, series, range(ONSET, ONSET + 180)), 'critical');
    // Stale once the newest update is older than 10 minutes; then 14.4 % of an hour must be stale.
    expect(firstMinute(pages) - ONSET).toBeGreaterThanOrEqual(10 + Math.floor(14.4 * 0.01 * 60));
    expect(firstMinute(pages) - ONSET).toBeLessThanOrEqual(10 + Math.ceil(14.4 * 0.01 * 60) + 3);
    expect(lastMinute(pages) - (ONSET + 90)).toBeLessThan(35);
  });
});

describe('GIVEN traffic in several languages', () => {
  const ok = (lang: string, perMinute: number, badRatio: number) =>
    incidentSeries('availability', { namespace: target.namespace, onset: ONSET, duration: 120, badRatio, horizon: ONSET + 120 }, lang, perMinute);

  test('WHEN one language with 1 % of traffic fails half its requests THEN it pages while the global ratio stays under the fast threshold', () => {
    const series = [...ok('en', REQUESTS_PER_MINUTE * 0.99, 0), ...ok('sw', REQUESTS_PER_MINUTE * 0.01, 0.5)];
    const language = timeline(ALERTS.languageBurn, series, range(ONSET, ONSET + 60, 2));
    expect(language.length).toBeGreaterThan(0);
    expect(new Set(language.map((a) => a.labels.lang))).toEqual(new Set(['sw']));
    const global = timeline(ALERTS.availabilityBurn, series, range(ONSET, ONSET + 60, 2));
    expect(global.filter((a) => a.labels.long_window === '1h')).toEqual([]);
  });

  test('WHEN a language with a handful of requests fails them all THEN it never pages', () => {
    // 0.6 requests a minute: 36 an hour, under the 180 an hour guard.
    const series = [...ok('en', REQUESTS_PER_MINUTE, 0), ...ok('qu', 0.6, 1)];
    expect(timeline(ALERTS.languageBurn, series, range(ONSET, ONSET + 120, 2))).toEqual([]);
  });
});
