/**
 * Synth cost: wall time of a full synth of the 3 declared environments, and of
 * 10 and 30 generated ones, to show how cost grows. Prints figures only; the
 * target (under 3 s for 3 environments, linear growth) is read, not asserted.
 *
 *   npm run bench:synth
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ENVIRONMENTS, GITOPS } from '../../constructs/environments';
import { EnvironmentSpec } from '../../constructs/environment-spec';
import { SearchOpsApp } from '../../constructs/search-ops-app';

const RUNS = 5;

/** `count` environments: prod first (the Helm chart's), then copies of all three under new names. */
function generated(count: number): EnvironmentSpec[] {
  const out: EnvironmentSpec[] = [ENVIRONMENTS[2]];
  for (let i = 1; out.length < count; i++) {
    const base = ENVIRONMENTS[i % ENVIRONMENTS.length];
    out.push({ ...base, name: `${base.name}-${i}`, namespace: `${base.namespace}-${i}` });
  }
  return out;
}

function medianSynthMs(environments: readonly EnvironmentSpec[]): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const root = mkdtempSync(join(tmpdir(), 'search-ops-bench-'));
    const start = performance.now();
    new SearchOpsApp({ environments, gitops: GITOPS, outdir: join(root, 'dist'), report: () => undefined, warn: () => undefined }).synth();
    times.push(performance.now() - start);
    rmSync(root, { recursive: true, force: true });
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

function processWallMs(): number {
  const start = performance.now();
  execFileSync('npm', ['run', '--silent', 'synth'], { cwd: join(__dirname, '..', '..'), stdio: 'ignore' });
  return performance.now() - start;
}

medianSynthMs(ENVIRONMENTS); // warm-up: module loading and JIT
const rows = [
  { label: '3 declared', environments: [...ENVIRONMENTS] },
  { label: '10 generated', environments: generated(10) },
  { label: '30 generated', environments: generated(30) },
].map(({ label, environments }) => ({ label, count: environments.length, ms: medianSynthMs(environments) }));

const baseline = rows[0].ms / rows[0].count;
console.log(`synth benchmark (median of ${RUNS} in-process runs, node ${process.version})`);
for (const { label, count, ms } of rows) {
  const perEnv = ms / count;
  console.log(`  ${label.padEnd(13)} ${ms.toFixed(0).padStart(6)} ms   ${perEnv.toFixed(1).padStart(6)} ms/env   x${(perEnv / baseline).toFixed(2)} per-env cost vs 3 declared`);
}
console.log(`  npm run synth, whole process (3 environments, node start and TypeScript loading included): ${processWallMs().toFixed(0)} ms`);
