import { SloSpec } from './slo';

/** What the rule generators need to know of one environment. */
export interface SloTarget {
  readonly environment: string;
  readonly namespace: string;
  readonly slo: SloSpec;
  /** Alerts of a production environment page; the others only open tickets. */
  readonly paging: boolean;
  /** The backup CronJob whose last success must be younger than the RPO. @defaultValue - no backups, no alert */
  readonly backup?: { readonly cronJob: string; readonly rpoSeconds: number };
}

/** The label matcher that scopes every query to the target's namespace. */
export function namespaceMatcher(target: SloTarget): string {
  return `namespace="${target.namespace}"`;
}

/** The error budget of an objective: 0.999 -> 0.001, without float noise. */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(12));
}
