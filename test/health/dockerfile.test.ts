import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_AS_USER } from '../../constructs/engine-pod-template';
import { HEALTH_PORT, HEALTH_SERVER_COMMAND } from '../../health/contract';
import { REPO_ROOT } from '../support/synth';

/** No container engine runs here: the Dockerfile is checked as text, and what it builds is built and run with plain node. */
const dockerfile = readFileSync(join(REPO_ROOT, 'health', 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
const stages = instructions.join('\n').split(/^FROM /m).slice(1);
const finalStage = stages[stages.length - 1].split('\n');

describe('health/Dockerfile (static: no container engine here)', () => {
  test('is multi-stage and installs production dependencies only in what it ships', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(finalStage.join('\n')).toContain('COPY --from=production-dependencies');
  });

  test('ships a distroless image: no shell, so the final stage runs nothing and uses exec form', () => {
    expect(finalStage[0]).toMatch(/^gcr\.io\/distroless\/nodejs20-debian12/);
    expect(finalStage.filter((line) => line.startsWith('RUN'))).toEqual([]);
    for (const line of finalStage.filter((l) => /^(ENTRYPOINT|CMD)/.test(l))) expect(line).toMatch(/^(ENTRYPOINT|CMD) \[".*"\]$/);
    expect([...JSON.parse(finalStage.find((l) => l.startsWith('ENTRYPOINT'))!.slice(11)), ...JSON.parse(finalStage.find((l) => l.startsWith('CMD'))!.slice(4))])
      .toEqual([...HEALTH_SERVER_COMMAND]);
  });

  test('runs as the numeric non-root user of the pod template and exposes the contract port', () => {
    expect(finalStage).toContain(`USER ${RUN_AS_USER}:${RUN_AS_USER}`);
    expect(finalStage).toContain(`EXPOSE ${HEALTH_PORT}`);
  });

  test('what it compiles runs under plain node, without the TypeScript toolchain', () => {
    const out = mkdtempSync(join(tmpdir(), 'search-ops-health-build-'));
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.health.json', '--outDir', out], { cwd: REPO_ROOT });
    expect(existsSync(join(out, 'server.js'))).toBe(true);
    expect(existsSync(join(out, 'contract.js'))).toBe(true);
    const run = spawnSync(process.execPath, [join(out, 'server.js')], { env: { NODE_PATH: join(REPO_ROOT, 'node_modules') }, encoding: 'utf8', cwd: REPO_ROOT });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('MONGODB_URI (unset) is required');
  });
});
