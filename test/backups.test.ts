import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongoBackupScript, mongoRestoreScript, redisBackupScript } from '../constructs/backup-scripts';
import { ENVIRONMENTS } from '../constructs/environments';
import { EnvironmentSpec } from '../constructs/environment-spec';
import { findObject, KubeObject, readObjects, synthToTemp } from './support/synth';

const prod = ENVIRONMENTS.find((e) => e.name === 'prod')!;
const withRdb: EnvironmentSpec = { ...prod, backup: { ...prod.backup!, redisRdb: true } };
const objects = readObjects(join(synthToTemp([withRdb]), 'prod'));
const cronJob = (name: string) => findObject(objects, 'CronJob', name);
const podSpec = (job: KubeObject) => job.spec.jobTemplate.spec.template.spec;

describe('GIVEN prod backups to a bucket, with the cache RDB WHEN synthesized', () => {
  test('THEN the backup CronJobs never overlap, are bounded in time and retries, and run hourly', () => {
    for (const name of ['search-backup-mongodb', 'search-backup-redis']) {
      const job = cronJob(name);
      expect(job.spec).toMatchObject({ schedule: '0 * * * *', suspend: false, concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 600 });
      expect(job.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    }
  });

  test('THEN the restore is a suspended template that never runs by itself and never retries', () => {
    const restore = cronJob('search-restore-mongodb');
    expect(restore.spec).toMatchObject({ suspend: true, schedule: '0 0 31 2 *' });
    expect(restore.spec.jobTemplate.spec.backoffLimit).toBe(0);
  });

  test('THEN backup pods use their own account without a token, restricted, and take credentials only from Secrets', () => {
    expect(findObject(objects, 'ServiceAccount', 'search-backup').automountServiceAccountToken).toBe(false);
    for (const name of ['search-backup-mongodb', 'search-restore-mongodb', 'search-backup-redis']) {
      const spec = podSpec(cronJob(name));
      expect(spec).toMatchObject({ serviceAccountName: 'search-backup', automountServiceAccountToken: false, restartPolicy: 'Never' });
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      for (const env of spec.containers[0].env) {
        if (/URI|KEY|SECRET/.test(env.name)) expect(env.valueFrom.secretKeyRef).toBeDefined();
      }
    }
  });

  test('THEN their egress is DNS, MongoDB, Redis and HTTPS to the bucket, nothing else', () => {
    const policy = findObject(objects, 'NetworkPolicy', 'search-backup-egress');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'search-backup' } });
    expect(policy.spec.egress.map((rule: KubeObject) => rule.ports.map((p: KubeObject) => `${p.protocol}/${p.port}`).join(','))).toEqual([
      'UDP/53,TCP/53', 'TCP/27017', 'TCP/6379', 'TCP/443',
    ]);
  });

  test('THEN the index rebuild is a suspended template with the engine\'s dependencies and egress', () => {
    const rebuild = cronJob('search-index-rebuild');
    expect(rebuild.spec.suspend).toBe(true);
    expect(podSpec(rebuild).containers[0].command).toEqual(['/usr/local/bin/search-engine', '--rebuild-index']);
    expect(podSpec(rebuild).containers[0].env.map((e: KubeObject) => e.name)).toContain('MONGODB_URI');
    expect(findObject(objects, 'NetworkPolicy', 'search-index-rebuild-egress').spec.egress).toHaveLength(4);
  });
});

describe('the generated backup shell', () => {
  const destinations = { volume: { volumeClaim: 'search-backups' }, bucket: { objectStorageUrl: 's3://b/p', objectStorageSecret: 's' } };
  test.each(Object.entries(destinations))('passes shellcheck as POSIX sh, for a %s', (_kind, destination) => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-sh-'));
    const files = [mongoBackupScript(destination), mongoRestoreScript(destination), redisBackupScript(destination)].map((script, i) => {
      const file = join(dir, `${i}.sh`);
      writeFileSync(file, script);
      return file;
    });
    const result = spawnSync('shellcheck', ['--shell=sh', ...files], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test('moves the LATEST marker only after the archive is complete, and never prints the connection string', () => {
    const script = mongoBackupScript(destinations.volume);
    expect(script.indexOf('mv "$file.partial" "$file"')).toBeLessThan(script.indexOf('LATEST'));
    expect(script).not.toMatch(/set -x|echo .*MONGODB_URI/);
  });
});
