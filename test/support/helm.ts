import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './synth';

/** The real helm, built by scripts/bootstrap.sh. */
export const HELM = process.env.HELM ?? join(REPO_ROOT, '.tools', 'bin', 'helm');

export function helm(args: readonly string[]): string {
  if (!existsSync(HELM)) throw new Error(`helm not found at ${HELM}: run 'npm run bootstrap' first`);
  return execFileSync(HELM, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** helm's failure output, or '' when it succeeded. */
export function helmError(args: readonly string[]): string {
  try {
    helm(args);
    return '';
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
}

export function renderChart(chart: string, args: readonly string[] = []): Record<string, any>[] {
  const text = helm(['template', 'search-ops', chart, ...args]);
  return parseAllDocuments(text).map((doc) => doc.toJS()).filter((o) => o !== null);
}
