import { METRICS } from '../monitoring/conventions';
import { SliName } from '../monitoring/conventions';
import { counter, InputSeries } from './promtool-timeline';

/**
 * Synthetic incidents as promtool input series, one sample a minute, over the
 * metric contract: what the engine would report during each incident.
 */

/** Requests a minute of the simulated service (10 per second). */
export const REQUESTS_PER_MINUTE = 600;

export interface Incident {
  readonly namespace: string;
  /** Minute the incident starts. */
  readonly onset: number;
  /** Minutes it lasts; it runs to `horizon` when longer. */
  readonly duration: number;
  /** Share of requests (or of time, for freshness) that are bad during the incident. */
  readonly badRatio: number;
  /** Share that is bad outside it. @defaultValue 0 */
  readonly baselineRatio?: number;
  /** Minutes simulated. */
  readonly horizon: number;
}

function phases(incident: Incident, perMinute: (ratio: number) => number) {
  const during = Math.min(incident.duration, incident.horizon - incident.onset);
  const after = incident.horizon - incident.onset - during;
  const base = incident.baselineRatio ?? 0;
  return [
    { minutes: incident.onset, perMinute: perMinute(base) },
    { minutes: during, perMinute: perMinute(incident.badRatio) },
    { minutes: after + 1, perMinute: perMinute(base) },
  ];
}

/** Series of one SLI's incident; other SLIs stay healthy where they share series. */
export function incidentSeries(sli: SliName, incident: Incident, lang = 'en', requestsPerMinute = REQUESTS_PER_MINUTE): InputSeries[] {
  const labels = (extra: string) => `{namespace="${incident.namespace}",lang="${lang}",route="/search"${extra}}`;
  switch (sli) {
    case 'availability':
      return [
        { series: `${METRICS.requests}${labels(',code="200"')}`, values: counter(phases(incident, (r) => requestsPerMinute * (1 - r))) },
        { series: `${METRICS.requests}${labels(',code="500"')}`, values: counter(phases(incident, (r) => requestsPerMinute * r)) },
      ];
    case 'latency':
      return [
        { series: `${METRICS.requests}${labels(',code="200"')}`, values: counter(phases(incident, () => requestsPerMinute)) },
        { series: `${METRICS.duration}_bucket${labels(',le="0.3"')}`, values: counter(phases(incident, (r) => requestsPerMinute * (1 - r))) },
        { series: `${METRICS.duration}_count${labels('')}`, values: counter(phases(incident, () => requestsPerMinute)) },
      ];
    case 'freshness':
      return [
        { series: `${METRICS.requests}${labels(',code="200"')}`, values: counter(phases(incident, () => requestsPerMinute)) },
        { series: `${METRICS.indexLastUpdate}{namespace="${incident.namespace}"}`, values: freshnessValues(incident) },
      ];
  }
}

/**
 * The index timestamp: updated every minute, except that during the incident
 * updates stop for `badRatio` of each hour, so the index is stale that share of time.
 */
function freshnessValues(incident: Incident): string {
  const values: number[] = [];
  let last = 0;
  for (let minute = 0; minute <= incident.horizon; minute++) {
    const inIncident = minute >= incident.onset && minute < incident.onset + incident.duration;
    // Stale means older than 10 minutes: stop updates for 10 minutes plus the stale share.
    const stalledFor = inIncident ? Math.round(incident.badRatio * 60) : 0;
    const minuteOfHour = (minute - incident.onset) % 60;
    const stalled = inIncident && (incident.badRatio >= 1 || minuteOfHour < stalledFor + 10);
    if (!stalled) last = minute * 60;
    values.push(last);
  }
  return values.join(' ');
}
