import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/synth';

const tsx = (script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO_ROOT) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', script), ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', input: '' });

const auditRecords = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));

/** A kubectl stand-in (no API server here): records its arguments, reports the Job running once, then complete. */
function kubectlStandIn(outcome: 'Complete' | 'Failed'): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-index-'));
  const log = join(dir, 'calls.log');
  const bin = join(dir, 'kubectl');
  writeFileSync(bin, `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${log}"
case "$1 $2" in
  "get cronjob") echo "cronjob.batch/search-index-rebuild" ;;
  "create job") echo "job.batch/$3 created" ;;
  "get job") if [ -f "${dir}/polled" ]; then echo "${outcome}=True"; else touch "${dir}/polled"; fi ;;
  "logs job/"*) echo "rebuilt 12 shards" ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`);
  chmodSync(bin, 0o755);
  return { bin, log };
}

describe('index-rebuild against a kubectl stand-in that records its arguments (no API server)', () => {
  const audit = () => join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.log');

  test('GIVEN no --context WHEN run THEN it refuses with exit 2 and changes nothing', () => {
    const result = tsx('index-rebuild.ts', ['--namespace', 'search-prod', '--yes']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('index-rebuild: --context is required: the tool never guesses which cluster to act on\n');
  });

  test('GIVEN --dry-run WHEN run THEN it prints the create command and never calls it', () => {
    const stub = kubectlStandIn('Complete');
    const log = audit();
    const result = tsx('index-rebuild.ts', ['--context', 'prod-eu', '--namespace', 'search-prod', '--dry-run', '--audit-log', log], { KUBECTL: stub.bin });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\+ kubectl create job search-index-rebuild-\d{8}-\d{6} --from=cronjob\/search-index-rebuild --context prod-eu --namespace search-prod$/m);
    expect(readFileSync(stub.log, 'utf8')).toBe('get cronjob search-index-rebuild -o name --context prod-eu --namespace search-prod\n');
    expect(auditRecords(log)).toEqual([expect.objectContaining({ tool: 'index-rebuild', action: 'rebuild-index', dry_run: true, result: 'dry-run' })]);
  });

  test.each<['Complete' | 'Failed', number, string]>([['Complete', 0, 'success'], ['Failed', 1, 'failed']])(
    'GIVEN the Job ends %s WHEN followed THEN exit %i and the audit says %s', (outcome, code, result) => {
      const stub = kubectlStandIn(outcome);
      const log = audit();
      const run = tsx('index-rebuild.ts', ['--context', 'prod-eu', '--namespace', 'search-prod', '--yes', '--poll', '0.05', '--audit-log', log], { KUBECTL: stub.bin });
      expect(run.status).toBe(code);
      const calls = readFileSync(stub.log, 'utf8').trim().split('\n').map((line) => line.split(' '));
      const job = calls[1][2];
      expect(calls.map((c) => c.slice(0, 3).join(' '))).toEqual([
        'get cronjob search-index-rebuild', `create job ${job}`, `get job ${job}`, `get job ${job}`, `logs job/${job} --tail=20`,
      ]);
      expect(run.stdout).toContain('rebuilt 12 shards');
      const [record] = auditRecords(log);
      expect(record).toMatchObject({ tool: 'index-rebuild', result, dry_run: false, target: { context: 'prod-eu', namespace: 'search-prod', cronjob: 'search-index-rebuild' } });
      expect(record.target.job).toMatch(/^search-index-rebuild-\d{8}-\d{6}$/);
    });
});

describe('model-rollback in a clone of this repository', () => {
  function clone(): string {
    const dir = join(mkdtempSync(join(tmpdir(), 'model-rollback-')), 'repo');
    execFileSync('git', ['clone', '--quiet', REPO_ROOT, dir]);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }

  test('GIVEN prod WHEN rolled back THEN releases.json swaps the models, dist/prod follows, and the diff is shown', () => {
    const repo = clone();
    const before = JSON.parse(readFileSync(join(repo, 'constructs', 'releases.json'), 'utf8')).prod.embeddingModel;
    const log = join(repo, '..', 'audit.log');
    const run = tsx('model-rollback.ts', ['--environment', 'prod', '--repo', repo, '--yes', '--audit-log', log]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const after = JSON.parse(readFileSync(join(repo, 'constructs', 'releases.json'), 'utf8')).prod.embeddingModel;
    expect(after).toEqual({ current: before.previous, previous: before.current });
    const rollout = readFileSync(join(repo, 'dist', 'prod', 'Rollout.search-engine.k8s.yaml'), 'utf8');
    expect(rollout).toContain(`value: ${before.previous}`);
    expect(rollout).not.toContain(`value: ${before.current}`);
    expect(run.stdout).toContain(`+              value: ${before.previous}`);
    expect(run.stdout).toContain('dist/prod/Rollout.search-engine.k8s.yaml');
    // Only prod changed.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean).every((l) => /constructs\/releases.json|dist\/(prod|helm|monitoring)\//.test(l))).toBe(true);
    expect(auditRecords(log)).toEqual([expect.objectContaining({ tool: 'model-rollback', result: 'success', from_model: before.current, to_model: before.previous })]);
  }, 60_000);

  test('GIVEN --dry-run WHEN run THEN nothing is written', () => {
    const repo = clone();
    const run = tsx('model-rollback.ts', ['--environment', 'staging', '--repo', repo, '--dry-run', '--audit-log', join(repo, '..', 'a.log')]);
    expect(run.status).toBe(0);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
  }, 60_000);

  test('GIVEN an unknown environment WHEN run THEN it names the known ones', () => {
    const run = tsx('model-rollback.ts', ['--environment', 'qa', '--dry-run', '--audit-log', join(mkdtempSync(join(tmpdir(), 'a-')), 'a.log')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("model-rollback: --environment ('qa') must be one of dev, staging, prod\n");
  });
});
