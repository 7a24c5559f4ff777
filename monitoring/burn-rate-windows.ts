import { AlertWindow } from './conventions';

export type Severity = 'critical' | 'warning' | 'info';

/** One long/short window pair of the multi-window, multi-burn-rate scheme. */
export interface BurnRateWindow {
  /** `critical` pages, `warning` opens a ticket. */
  readonly severity: 'critical' | 'warning';
  /** Burn rate: how many times faster than sustainable the budget is spent. */
  readonly factor: number;
  readonly longWindow: AlertWindow;
  readonly shortWindow: AlertWindow;
  /** Share of a 30-day budget spent when the long window alone fires. */
  readonly budgetSpent: number;
}

/**
 * The recommended parameters for a 30-day SLO window.
 * @see Google SRE Workbook, "Alerting on SLOs", section 6 "Multiwindow, Multi-Burn-Rate Alerts", table 5-8
 *   (https://sre.google/workbook/alerting-on-slos/); short windows are 1/12 of the long ones.
 */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { severity: 'critical', factor: 14.4, longWindow: '1h', shortWindow: '5m', budgetSpent: 0.02 },
  { severity: 'critical', factor: 6, longWindow: '6h', shortWindow: '30m', budgetSpent: 0.05 },
  { severity: 'warning', factor: 3, longWindow: '1d', shortWindow: '2h', budgetSpent: 0.1 },
  { severity: 'warning', factor: 1, longWindow: '3d', shortWindow: '6h', budgetSpent: 0.1 },
];

/** Seconds of each window name. */
export const WINDOW_SECONDS: Readonly<Record<string, number>> = {
  '5m': 300, '30m': 1800, '1h': 3600, '2h': 7200, '6h': 21600, '1d': 86400, '3d': 259200, '30d': 2592000,
};
