/**
 * Detection and reset times of every SLO burn-rate alert, measured with the real
 * promtool over synthetic incidents, as a Markdown table:
 *
 *   npm run alert-report
 *
 * Each incident starts after one day of healthy traffic (the 3d windows thus see
 * one day of history, not three: their detection times are shorter than in a
 * long-running Prometheus). Times are minutes from onset (or from the end of
 * the incident, for resets) to the first (or last) evaluation that fires.
 */
import { sloRuleGroups } from '../monitoring/rule-groups';
import { BURN_RATE_WINDOWS } from '../monitoring/burn-rate-windows';
import { BURN_ALERTS, SLI_NAMES, SliName } from '../monitoring/conventions';
import { DEFAULT_SLO } from '../monitoring/slo';
import { errorBudget, SloTarget } from '../monitoring/slo-target';
import { FiringAlert, firingTimeline } from './promtool-timeline';
import { incidentSeries } from './slo-incidents';

const target: SloTarget = { environment: 'prod', namespace: 'search-prod', slo: DEFAULT_SLO, paging: true };
const groups = sloRuleGroups(target, { runbookBaseUrl: 'https://runbooks.example' });
const ONSET = 1440;
const RESET_INCIDENT_MINUTES = 60;

interface Scenario {
  readonly label: string;
  readonly badRatio: (sli: SliName) => number;
  readonly observeMinutes: number;
}

const SCENARIOS: readonly Scenario[] = [
  { label: '100 % bad', badRatio: () => 1, observeMinutes: 180 },
  { label: '10x burn', badRatio: (sli) => 10 * errorBudget(DEFAULT_SLO[sli].objective), observeMinutes: 1440 },
  { label: '2x burn', badRatio: (sli) => 2 * errorBudget(DEFAULT_SLO[sli].objective), observeMinutes: 2 * 1440 },
];

/** Every minute for the first 3 hours, then every 10 minutes. */
function observationMinutes(from: number, length: number): number[] {
  const minutes: number[] = [];
  for (let m = 0; m <= length; m += m < 180 ? 1 : 10) minutes.push(from + m);
  return minutes;
}

function byWindow(alerts: readonly FiringAlert[], longWindow: string): number[] {
  return alerts.filter((a) => a.labels.long_window === longWindow).map((a) => a.minute);
}

const format = (minutes: number | undefined) => (minutes === undefined ? 'never' : `${Math.round(minutes)} min`);

function measure(sli: SliName): string[] {
  const alertname = BURN_ALERTS[sli];
  const detections = SCENARIOS.map((scenario) => {
    const horizon = ONSET + scenario.observeMinutes;
    const series = incidentSeries(sli, { namespace: target.namespace, onset: ONSET, duration: scenario.observeMinutes, badRatio: scenario.badRatio(sli), horizon });
    return firingTimeline({ groups, series, alertname, minutes: observationMinutes(ONSET, scenario.observeMinutes) });
  });
  const end = ONSET + RESET_INCIDENT_MINUTES;
  const resetSeries = incidentSeries(sli, { namespace: target.namespace, onset: ONSET, duration: RESET_INCIDENT_MINUTES, badRatio: 1, horizon: end + 720 });
  const reset = firingTimeline({ groups, series: resetSeries, alertname, minutes: observationMinutes(ONSET, RESET_INCIDENT_MINUTES + 720) });

  return BURN_RATE_WINDOWS.map((window) => {
    const detected = detections.map((alerts) => {
      const minutes = byWindow(alerts, window.longWindow);
      return format(minutes.length === 0 ? undefined : Math.min(...minutes) - ONSET);
    });
    const firing = byWindow(reset, window.longWindow);
    const resetAfter = firing.length === 0 ? 'never fired' : `${Math.max(0, Math.max(...firing) - end + 1)} min`;
    return `| ${alertname} | ${window.severity} | ${window.factor}x over ${window.longWindow} and ${window.shortWindow} | ${detected.join(' | ')} | ${resetAfter} |`;
  });
}

function main(): void {
  console.log(`Detection and reset times of the SLO alerts (prod defaults; promtool, 1-minute samples and evaluations)\n`);
  console.log(`| alert | severity | windows | ${SCENARIOS.map((s) => s.label).join(' | ')} | reset after ${RESET_INCIDENT_MINUTES} min at 100 % bad |`);
  console.log(`|---|---|---|${SCENARIOS.map(() => '---|').join('')}---|`);
  for (const sli of SLI_NAMES) for (const row of measure(sli)) console.log(row);
}

main();
