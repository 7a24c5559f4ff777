import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENVIRONMENTS } from '../../constructs/environments';
import { setImageTag } from '../../scripts/set-image-tag';
import { REPO_ROOT } from '../support/synth';

/**
 * The GitHub Actions workflows, checked as data (no runner here): what they run,
 * in which order, with which permissions; and the shell they embed, run with bash.
 *
 * GitHub's workflow JSON schema is in no installed package, so it is not checked
 * here; `wellFormed` below checks the keys these files use against the documented
 * workflow syntax instead.
 */

type Step = { name?: string; id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = { needs?: string | string[]; uses?: string; 'runs-on'?: string; steps?: Step[]; permissions?: Record<string, string>; environment?: unknown; env?: Record<string, string>; outputs?: Record<string, string>; concurrency?: unknown };
type Workflow = { name: string; on: Record<string, any>; permissions: Record<string, string>; env?: Record<string, string>; concurrency?: unknown; jobs: Record<string, Job> };

const WORKFLOWS_DIR = join(REPO_ROOT, '.github', 'workflows');
const text = (file: string) => readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
const load = (file: string) => parse(text(file)) as Workflow;
const ci = load('ci.yml');
const deliver = load('deliver.yml');
const WORKFLOWS: Array<[string, Workflow]> = [['ci.yml', ci], ['deliver.yml', deliver]];

const steps = (w: Workflow) => Object.entries(w.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
const runs = (job: Job) => (job.steps ?? []).filter((s) => s.run !== undefined).map((s) => s.run!.trim());
const indexOfRun = (job: Job, pattern: RegExp) => (job.steps ?? []).findIndex((s) => s.run !== undefined && pattern.test(s.run));
const needs = (job: Job) => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
const stepById = (job: Job, id: string) => {
  const step = job.steps!.find((s) => s.id === id);
  if (step === undefined) throw new Error(`no step with id ${id}`);
  return step;
};

/** Every string in a parsed document, with its path. */
function strings(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, path === '' ? k : `${path}.${k}`));
  return [];
}

/** Runs a step's `run:` script with bash -e (GitHub's default shell), in `cwd`, with `env`. */
function runStep(step: Step, env: Record<string, string>, cwd: string) {
  return spawnSync('bash', ['-e', '-c', step.run!], { cwd, env: { PATH: process.env.PATH!, HOME: cwd, ...env }, encoding: 'utf8' });
}

/** Runs the `release` step of the image job as GitHub would, returning its outputs. */
function resolveRelease(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'search-ops-release-'));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const result = runStep(stepById(deliver.jobs.image, 'release'), { IMAGE_REPOSITORY: deliver.env!.IMAGE_REPOSITORY, ...files, ...env }, dir);
  const outputs = Object.fromEntries(readFileSync(files.GITHUB_OUTPUT, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('=', 2)));
  return { status: result.status, stdout: result.stdout, outputs };
}

describe('GIVEN .github/workflows/ci.yml', () => {
  const job = ci.jobs.test;

  test('WHEN a pull request, a push to main or another workflow runs it THEN it is triggered (and callable by deliver.yml)', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    expect(ci.on.push).toEqual({ branches: ['main'] });
  });

  test('WHEN it tests THEN it runs exactly the README\'s test command, `npm ci` then `npm test` (as .ci/run does)', () => {
    const command = 'npm ci && npm test';
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(command);
    expect(readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8')).toContain(command);
    expect(job['runs-on']).toBe('ubuntu-latest');
    const commands = runs(job);
    expect(commands.filter((r) => r === 'npm ci' || r === 'npm test')).toEqual(['npm ci', 'npm test']);
  });

  test('WHEN the bootstrap needs its tools THEN node 20 with the npm cache, Go 1.26 and a .tools cache keyed on scripts/bootstrap.sh come first', () => {
    const uses = (prefix: string) => job.steps!.find((s) => s.uses?.startsWith(prefix));
    expect(uses('actions/setup-node@')!.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    expect(uses('actions/setup-go@')!.with).toMatchObject({ 'go-version': '1.26.x', cache: true });
    const cache = uses('actions/cache@')!;
    expect(cache.with!.path).toBe('.tools');
    expect(cache.with!.key).toContain("hashFiles('scripts/bootstrap.sh')");
    const npmCi = indexOfRun(job, /^npm ci$/);
    for (const s of [uses('actions/checkout@'), uses('actions/setup-node@'), uses('actions/setup-go@'), cache]) expect(job.steps!.indexOf(s!)).toBeLessThan(npmCi);
  });

  test('WHEN dist/ differs from a fresh synth THEN a step after the tests fails with a message naming the fix', () => {
    const drift = indexOfRun(job, /git diff --exit-code/);
    expect(drift).toBeGreaterThan(indexOfRun(job, /^npm test$/));
    const script = job.steps![drift].run!;
    expect(script).toMatch(/^npm run synth$/m);
    expect(script).toMatch(/git diff --exit-code[^\n]*-- dist\b/);
    expect(script).toContain('::error');
    expect(script).toContain("Run 'npm run synth' and commit dist/");
  });

  test('WHEN the drift step runs in a repository THEN it passes on a clean dist/ and fails on a changed or an added file', () => {
    const script = job.steps![indexOfRun(job, /git diff --exit-code/)].run!.replace(/^npm run synth$/m, 'true');
    const repo = mkdtempSync(join(tmpdir(), 'search-ops-drift-'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    mkdirSync(join(repo, 'dist'));
    writeFileSync(join(repo, 'dist', 'a.yaml'), 'a: 1\n');
    git('add', '.');
    git('commit', '-qm', 'init');
    const check = () => runStep({ run: script }, {}, repo);
    expect(check().status).toBe(0);
    writeFileSync(join(repo, 'dist', 'a.yaml'), 'a: 2\n');
    expect(check()).toMatchObject({ status: 1, stdout: expect.stringContaining('dist/ is out of date') });
    git('checkout', '-q', '--', 'dist');
    writeFileSync(join(repo, 'dist', 'b.yaml'), 'b: 1\n');
    expect(check()).toMatchObject({ status: 1, stdout: expect.stringContaining('untracked: dist/b.yaml') });
  });

  test('WHEN two runs share a ref THEN a pull request\'s older run is cancelled, with a group that cannot collide with a caller\'s', () => {
    expect(ci.concurrency).toEqual({ group: 'ci-${{ github.ref }}', 'cancel-in-progress': "${{ github.event_name == 'pull_request' }}" });
  });
});

describe('GIVEN .github/workflows/deliver.yml', () => {
  const { test: testJob, image, bump } = deliver.jobs;

  test('WHEN a v* tag is pushed or it is dispatched with an environment and a tag THEN it runs', () => {
    expect(deliver.on.push).toEqual({ tags: ['v*'] });
    const inputs = deliver.on.workflow_dispatch.inputs;
    expect(inputs.environment).toMatchObject({ type: 'choice', default: 'dev', required: true });
    expect(inputs.environment.options).toEqual(ENVIRONMENTS.map((e) => e.name));
    expect(Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'constructs', 'releases.json'), 'utf8')))).toEqual(inputs.environment.options);
    expect(inputs.tag).toMatchObject({ type: 'string', required: true });
  });

  test('WHEN it runs THEN the jobs form the chain test -> image -> bump, and test is ci.yml itself', () => {
    expect(Object.keys(deliver.jobs)).toEqual(['test', 'image', 'bump']);
    expect(testJob.uses).toBe('./.github/workflows/ci.yml');
    expect(needs(testJob)).toEqual([]);
    expect(needs(image)).toEqual(['test']);
    expect(needs(bump)).toEqual(['image']);
  });

  test('WHEN a tag is pushed THEN the image job builds health/Dockerfile from the root and pushes <repository>:<tag> with provenance and an SBOM', () => {
    const build = image.steps!.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(build.id).toBe('build');
    expect(build.if).toBe("github.event_name == 'push'");
    expect(build.with).toMatchObject({ context: '.', file: 'health/Dockerfile', push: true, sbom: true });
    expect(String(build.with!.provenance)).toMatch(/^(true|mode=(min|max))$/);
    expect(build.with!.tags).toBe('${{ env.IMAGE_REPOSITORY }}:${{ steps.release.outputs.tag }}');
    for (const action of ['docker/setup-buildx-action@', 'docker/login-action@', 'actions/checkout@']) {
      expect(image.steps!.findIndex((s) => s.uses?.startsWith(action))).toBeLessThan(image.steps!.indexOf(build));
    }
    expect(image.outputs!.digest).toContain('steps.build.outputs.digest');
  });

  test('WHEN the image is pushed THEN it goes to the health image repository of health/Dockerfile, not over the engine image the environments run', () => {
    const repository = deliver.env!.IMAGE_REPOSITORY;
    expect(readFileSync(join(REPO_ROOT, 'health', 'Dockerfile'), 'utf8')).toContain(`-t ${repository}:`);
    for (const e of ENVIRONMENTS) expect(e.image.repository).not.toBe(repository);
    const login = image.steps!.find((s) => s.uses?.startsWith('docker/login-action@'))!;
    expect(repository.startsWith(`${deliver.env!.REGISTRY}/`)).toBe(true);
    expect(login.with!.registry).toBe('${{ env.REGISTRY }}');
  });

  test('WHEN a tag is promoted by dispatch THEN nothing is rebuilt: the existing image\'s digest is looked up, or the run fails', () => {
    const existing = stepById(image, 'existing');
    expect(existing.if).toBe("github.event_name == 'workflow_dispatch'");
    expect(existing.run).toContain('docker buildx imagetools inspect "$IMAGE_REPOSITORY:$TAG"');
    expect(existing.run).toContain('echo "digest=$digest" >> "$GITHUB_OUTPUT"');
    expect(image.outputs!.digest).toBe('${{ steps.build.outputs.digest || steps.existing.outputs.digest }}');
  });

  test.each([
    ['a pushed tag v1.8.1', { EVENT_NAME: 'push', REF_NAME: 'v1.8.1' }, { tag: '1.8.1', environment: 'dev' }],
    ['a pushed tag v2.0.0-rc.1', { EVENT_NAME: 'push', REF_NAME: 'v2.0.0-rc.1' }, { tag: '2.0.0-rc.1', environment: 'dev' }],
    ['a dispatch of 1.8.1 to prod', { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: '1.8.1', INPUT_ENVIRONMENT: 'prod' }, { tag: '1.8.1', environment: 'prod' }],
    ['a dispatch of v1.8.1 to staging', { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: 'v1.8.1', INPUT_ENVIRONMENT: 'staging' }, { tag: '1.8.1', environment: 'staging' }],
  ])('WHEN %s THEN the release step resolves the tag without the v and the environment', (_, env, expected) => {
    const { status, outputs } = resolveRelease(env);
    expect(status).toBe(0);
    expect(outputs).toEqual(expected);
  });

  test.each([
    ['a tag with shell in it', { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: '1.0";touch pwned;"', INPUT_ENVIRONMENT: 'dev' }],
    ['a command substitution', { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: '$(touch pwned)', INPUT_ENVIRONMENT: 'dev' }],
    ["'latest'", { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: 'latest', INPUT_ENVIRONMENT: 'dev' }],
    ['an empty tag', { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: '', INPUT_ENVIRONMENT: 'dev' }],
    ['an unknown environment', { EVENT_NAME: 'workflow_dispatch', INPUT_TAG: '1.8.1', INPUT_ENVIRONMENT: 'qa' }],
    ['a pushed tag that is not an image tag', { EVENT_NAME: 'push', REF_NAME: 'v1.8.1+build/7' }],
  ])('WHEN the input is %s THEN the release step fails before anything is built, and runs nothing from it', (_, env) => {
    const dir = mkdtempSync(join(tmpdir(), 'search-ops-release-'));
    const result = runStep(stepById(image, 'release'), { GITHUB_OUTPUT: join(dir, 'out'), GITHUB_STEP_SUMMARY: join(dir, 'sum'), ...env }, dir);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('::error::');
    expect(readdirSync(dir)).not.toContain('pwned');
  });

  test('WHEN a tag passes the workflow\'s check THEN scripts/set-image-tag.ts accepts it too, and the other way round', () => {
    const releases = join(mkdtempSync(join(tmpdir(), 'search-ops-releases-')), 'releases.json');
    for (const tag of ['1.8.1', '2.0.0-rc.1', '1_2', '_x', 'latest', '-1', '.1', 'a'.repeat(128), 'a'.repeat(129), '1.0 ', '1/2', '1:2']) {
      writeFileSync(releases, '{"dev":{"imageTag":"0.0.1"}}\n');
      let scriptAccepts = true;
      try { setImageTag(releases, 'dev', tag); } catch { scriptAccepts = false; }
      expect([tag, resolveRelease({ EVENT_NAME: 'workflow_dispatch', INPUT_TAG: tag, INPUT_ENVIRONMENT: 'dev' }).status === 0]).toEqual([tag, scriptAccepts]);
    }
  });

  test('WHEN the bump runs THEN it checks out the branch Argo CD tracks, runs set-image-tag.ts, then synth, then commits releases.json and dist/', () => {
    const checkout = bump.steps!.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with!.ref).toBe('${{ env.GITOPS_BRANCH }}');
    for (const name of ENVIRONMENTS.map((e) => e.name)) {
      const app = parseAllDocuments(readFileSync(join(REPO_ROOT, 'dist', 'argocd', `Application.search-ops-${name}.k8s.yaml`), 'utf8'))[0].toJS();
      expect(app.spec.source.targetRevision).toBe(deliver.env!.GITOPS_BRANCH);
    }
    const setTag = indexOfRun(bump, /^npx tsx scripts\/set-image-tag\.ts "\$DELIVER_ENVIRONMENT" "\$DELIVER_TAG"$/);
    const synth = indexOfRun(bump, /^npm run synth$/);
    const commit = indexOfRun(bump, /git commit/);
    expect(indexOfRun(bump, /^npm ci$/)).toBeGreaterThanOrEqual(0);
    expect(indexOfRun(bump, /^npm ci$/)).toBeLessThan(setTag);
    expect(setTag).toBeGreaterThan(0);
    expect(synth).toBeGreaterThan(setTag);
    expect(commit).toBeGreaterThan(synth);
    expect(bump.steps![commit].run).toContain('git add constructs/releases.json dist');
    expect(bump.env).toEqual({ DELIVER_ENVIRONMENT: '${{ needs.image.outputs.environment }}', DELIVER_TAG: '${{ needs.image.outputs.tag }}' });
  });

  describe('WHEN the commit step runs after set-image-tag.ts and synth', () => {
    const commitStep = () => bump.steps!.find((s) => s.run?.includes('git commit'))!;
    /** A clone of a bare "origin" holding releases.json and dist/, as the bump job sees it. */
    function clone() {
      const root = mkdtempSync(join(tmpdir(), 'search-ops-bump-'));
      const origin = join(root, 'origin.git');
      const work = join(root, 'work');
      const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();
      git(root, 'init', '-q', '--bare', origin);
      git(root, 'clone', '-q', origin, work);
      mkdirSync(join(work, 'constructs'));
      mkdirSync(join(work, 'dist', 'prod'), { recursive: true });
      writeFileSync(join(work, 'constructs', 'releases.json'), '{"prod":{"imageTag":"1.7.3"}}\n');
      writeFileSync(join(work, 'dist', 'prod', 'Rollout.yaml'), 'image: engine:1.7.3\n');
      writeFileSync(join(work, 'README.md'), 'x\n');
      git(work, 'add', '.');
      git(work, 'commit', '-qm', 'init');
      git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
      const env = { DELIVER_ENVIRONMENT: 'prod', DELIVER_TAG: '1.8.1', GITOPS_BRANCH: 'main', GITHUB_STEP_SUMMARY: join(root, 'summary') };
      return { work, origin, git, env, run: () => runStep(commitStep(), env, work) };
    }

    test('THEN one commit "deliver: <env> <tag>" by github-actions[bot] with both files lands on the branch', () => {
      const { work, origin, git, run } = clone();
      writeFileSync(join(work, 'constructs', 'releases.json'), '{"prod":{"imageTag":"1.8.1"}}\n');
      writeFileSync(join(work, 'dist', 'prod', 'Rollout.yaml'), 'image: engine:1.8.1\n');
      expect(run().status).toBe(0);
      expect(git(origin, 'log', '-1', '--format=%s|%an|%ae', 'main')).toBe('deliver: prod 1.8.1|github-actions[bot]|41898282+github-actions[bot]@users.noreply.github.com');
      expect(git(origin, 'show', '--name-only', '--format=', 'main').split('\n').sort()).toEqual(['constructs/releases.json', 'dist/prod/Rollout.yaml']);
    });

    test('THEN it commits nothing and succeeds when the environment already runs the tag', () => {
      const { origin, git, run } = clone();
      const before = git(origin, 'rev-parse', 'main');
      expect(run().status).toBe(0);
      expect(git(origin, 'rev-parse', 'main')).toBe(before);
    });

    test('THEN it refuses to commit when anything else changed', () => {
      const { work, origin, git, run } = clone();
      const before = git(origin, 'rev-parse', 'main');
      writeFileSync(join(work, 'constructs', 'releases.json'), '{"prod":{"imageTag":"1.8.1"}}\n');
      writeFileSync(join(work, 'README.md'), 'changed\n');
      expect(run()).toMatchObject({ status: 1, stdout: expect.stringContaining('other than constructs/releases.json and dist/') });
      expect(git(origin, 'rev-parse', 'main')).toBe(before);
    });
  });

  test('WHEN the bump targets an environment THEN it runs in that GitHub environment (prod: required reviewers), dev for a tag push', () => {
    expect(bump.environment).toBe("${{ inputs.environment || 'dev' }}");
    expect(bump.concurrency).toEqual({ group: "deliver-bump-${{ inputs.environment || 'dev' }}", 'cancel-in-progress': false });
  });
});

describe('GIVEN both workflows (hardening)', () => {
  /** `run:` scripts allowed to contain `${{ }}`, each with the reason it is safe. None today. */
  const SAFE_RUN_EXPRESSIONS: ReadonlyArray<{ file: string; job: string; step: string; why: string }> = [];

  test.each(WORKFLOWS)('WHEN %s runs shell THEN no run: step interpolates ${{ }}: values reach shell through env: only', (file, workflow) => {
    const offenders = steps(workflow)
      .filter(({ step }) => step.run?.includes('${{'))
      .filter(({ job, step }) => !SAFE_RUN_EXPRESSIONS.some((s) => s.file === file && s.job === job && s.step === (step.name ?? step.id)))
      .map(({ job, step }) => `${job}: ${step.name ?? step.run}`);
    expect(offenders).toEqual([]);
  });

  test.each(WORKFLOWS)('WHEN %s uses an action THEN it is pinned to a version (a major tag or a commit)', (_, workflow) => {
    const uses = [...steps(workflow).map(({ step }) => step.uses), ...Object.values(workflow.jobs).map((j) => j.uses)].filter((u): u is string => u !== undefined);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) {
      if (u.startsWith('./')) expect(u).toMatch(/^\.\/\.github\/workflows\/[\w-]+\.ya?ml$/);
      else expect(u).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  test('WHEN the pinned actions are listed THEN they are the agreed major versions', () => {
    const versions = new Map<string, string>();
    for (const [, w] of WORKFLOWS) for (const { step } of steps(w)) if (step.uses) versions.set(step.uses.split('@')[0], step.uses.split('@')[1]);
    expect(Object.fromEntries(versions)).toEqual({
      'actions/checkout': 'v4', 'actions/setup-node': 'v4', 'actions/setup-go': 'v5', 'actions/cache': 'v4',
      'docker/setup-buildx-action': 'v3', 'docker/login-action': 'v3', 'docker/build-push-action': 'v6',
    });
  });

  test.each(WORKFLOWS)('WHEN %s gets a token THEN it is read-only at the top; only deliver\'s bump job may write contents', (file, workflow) => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const writers = Object.entries(workflow.jobs).filter(([, j]) => j.permissions !== undefined);
    if (file === 'deliver.yml') expect(writers).toEqual([['bump', expect.objectContaining({ permissions: { contents: 'write' } })]]);
    else expect(writers).toEqual([]);
  });

  test.each(WORKFLOWS)('WHEN %s needs a secret THEN only ${{ secrets.X }} references appear, only as the registry login\'s inputs', (file, workflow) => {
    const raw = text(file);
    expect(raw).not.toMatch(/gh[pousr]_[A-Za-z0-9]{20,}|github_pat_|AKIA[0-9A-Z]{16}|-----BEGIN|xox[abp]-|eyJ[A-Za-z0-9_-]{10,}\./);
    const all = strings(workflow);
    for (const [path, value] of all) {
      if (/secrets\./.test(value)) expect([path, value]).toEqual([path, expect.stringMatching(/^\$\{\{ secrets\.[A-Z][A-Z0-9_]* \}\}$/)]);
      if (/(^|\.)(password|token|username|secret|api[_-]?key)$/i.test(path)) expect([path, value]).toEqual([path, expect.stringMatching(/^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/)]);
    }
    const secretPaths = all.filter(([, v]) => v.includes('secrets.')).map(([p]) => p);
    if (file === 'ci.yml') expect(secretPaths).toEqual([]);
    else {
      expect(secretPaths).toEqual(['jobs.image.steps[3].with.username', 'jobs.image.steps[3].with.password']);
      expect(deliver.jobs.image.steps![3].uses).toMatch(/^docker\/login-action@/);
      expect(workflow.jobs.image.steps![3].with).toEqual({ registry: '${{ env.REGISTRY }}', username: '${{ secrets.REGISTRY_USER }}', password: '${{ secrets.REGISTRY_PASSWORD }}' });
    }
  });

  test.each(WORKFLOWS)('WHEN %s is read as a workflow THEN it uses only documented keys, and every step either uses an action or runs shell', (_, workflow) => {
    expect(wellFormed(workflow)).toEqual([]);
  });
});

/** The keys of GitHub's workflow syntax these files may use (docs: "Workflow syntax for GitHub Actions"); a stand-in for the JSON schema. */
function wellFormed(workflow: Workflow): string[] {
  const problems: string[] = [];
  const only = (where: string, value: object, allowed: string[]) => {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push(`${where}: unknown key '${key}'`);
  };
  only('workflow', workflow, ['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs']);
  only('on', workflow.on, ['push', 'pull_request', 'workflow_dispatch', 'workflow_call', 'schedule', 'release']);
  for (const [id, job] of Object.entries(workflow.jobs)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(id)) problems.push(`job id '${id}'`);
    for (const n of needs(job)) if (!(n in workflow.jobs)) problems.push(`${id}: needs unknown job '${n}'`);
    if (job.uses !== undefined) {
      only(`jobs.${id}`, job, ['name', 'needs', 'if', 'permissions', 'uses', 'with', 'secrets', 'strategy', 'concurrency']);
      continue;
    }
    only(`jobs.${id}`, job, ['name', 'needs', 'if', 'runs-on', 'permissions', 'environment', 'concurrency', 'outputs', 'env', 'defaults', 'steps', 'timeout-minutes', 'strategy', 'continue-on-error', 'container', 'services']);
    if (job['runs-on'] === undefined) problems.push(`jobs.${id}: no runs-on`);
    if (!Array.isArray(job.steps) || job.steps.length === 0) problems.push(`jobs.${id}: no steps`);
    const ids = new Set<string>();
    for (const [i, step] of (job.steps ?? []).entries()) {
      only(`jobs.${id}.steps[${i}]`, step, ['id', 'if', 'name', 'uses', 'run', 'with', 'env', 'shell', 'working-directory', 'continue-on-error', 'timeout-minutes']);
      if ((step.uses === undefined) === (step.run === undefined)) problems.push(`jobs.${id}.steps[${i}]: needs exactly one of uses and run`);
      if (step.id !== undefined) {
        if (ids.has(step.id)) problems.push(`jobs.${id}: duplicate step id '${step.id}'`);
        ids.add(step.id);
      }
    }
    for (const [, value] of strings(job)) {
      for (const ref of value.matchAll(/steps\.([A-Za-z_][\w-]*)\.outputs/g)) if (!ids.has(ref[1])) problems.push(`jobs.${id}: refers to unknown step '${ref[1]}'`);
      for (const ref of value.matchAll(/needs\.([A-Za-z_][\w-]*)\.outputs\.([\w-]+)/g)) {
        if (!needs(job).includes(ref[1])) problems.push(`jobs.${id}: refers to needs.${ref[1]} without needing it`);
        else if (workflow.jobs[ref[1]].outputs?.[ref[2]] === undefined) problems.push(`jobs.${id}: ${ref[1]} has no output '${ref[2]}'`);
      }
    }
  }
  return problems;
}
