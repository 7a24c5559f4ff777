import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RuleGroup } from '../monitoring/rules';

/**
 * Runs `promtool test rules` to learn when alerts fire: every evaluation time of
 * interest is asserted to have no alert, and promtool's failures list what did
 * fire. One promtool run yields a whole timeline.
 */

export interface InputSeries {
  readonly series: string;
  /** promtool's expanding notation, one value per minute: `0+60x100 6000x60`. */
  readonly values: string;
}

export interface FiringAlert {
  readonly minute: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** A counter growing by `perMinute[i]` for `minutes[i]` minutes, phase after phase. */
export function counter(phases: readonly { readonly minutes: number; readonly perMinute: number }[]): string {
  let value = 0;
  const parts: string[] = [];
  for (const { minutes, perMinute } of phases) {
    if (minutes <= 0) continue;
    parts.push(`${round(value)}+${round(perMinute)}x${minutes - 1}`);
    value += perMinute * minutes;
  }
  return parts.join(' ');
}

function round(n: number): number {
  return Number(n.toFixed(6));
}

/** Rules without annotations: promtool would otherwise compare rendered descriptions too. */
export function withoutAnnotations(groups: readonly RuleGroup[]): RuleGroup[] {
  return groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) => ('alert' in rule ? { ...rule, annotations: {} } : rule)),
  }));
}

export interface TimelineOptions {
  readonly groups: readonly RuleGroup[];
  readonly series: readonly InputSeries[];
  readonly alertname: string;
  /** Minutes at which to look. */
  readonly minutes: readonly number[];
  readonly promtool?: string;
}

/** Every alert of `alertname` firing at each of the given minutes. */
export function firingTimeline(options: TimelineOptions): FiringAlert[] {
  const dir = mkdtempSync(join(tmpdir(), 'search-ops-promtool-'));
  writeFileSync(join(dir, 'rules.yml'), stringify({ groups: withoutAnnotations(options.groups) }, { lineWidth: 0 }));
  writeFileSync(join(dir, 'test.yml'), stringify({
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: options.series,
      alert_rule_test: options.minutes.map((minute) => ({ eval_time: `${minute}m`, alertname: options.alertname, exp_alerts: [] })),
    }],
  }, { lineWidth: 0 }));
  let output = '';
  try {
    output = execFileSync(options.promtool ?? 'promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    if (!output.includes('FAILED')) throw new Error(`promtool failed:\n${output}`);
  }
  return parseFailures(output);
}

/** Parses promtool's `alertname: X, time: 1h43m, exp:[...], got:[ Labels:{...} ]` blocks. */
export function parseFailures(output: string): FiringAlert[] {
  const firing: FiringAlert[] = [];
  for (const block of output.split(/alertname: /).slice(1)) {
    const time = /time: ([0-9ywdhms]+),/.exec(block)?.[1];
    const got = block.split('got:')[1] ?? '';
    if (time === undefined) continue;
    for (const match of got.matchAll(/Labels:\{([^}]*)\}/g)) {
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      firing.push({ minute: minutesOf(time), labels });
    }
  }
  return firing;
}

function minutesOf(duration: string): number {
  const part = (unit: string) => Number(new RegExp(`(\\d+)${unit}(?!s)`).exec(duration)?.[1] ?? 0);
  return part('w') * 10080 + part('d') * 1440 + part('h') * 60 + part('m') + part('s') / 60;
}
