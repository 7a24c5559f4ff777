import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL_STUB_BIN, KubectlStub, StubReplicaSet, StubState } from '../support/kubectl-stub';
import { REPO_ROOT } from '../support/synth';

const SCRIPT = join(REPO_ROOT, 'scripts', 'rollback.sh');
const CONNECTION = ['--context', 'prod-eu', '--namespace', 'search-prod'];
const REVISION_JSONPATH = 'jsonpath={.metadata.annotations.rollout\\.argoproj\\.io/revision}';
const EPHEMERAL_JSONPATH = 'jsonpath={.spec.strategy.canary.stableMetadata.labels}{.spec.strategy.canary.canaryMetadata.labels}'
  + '{.spec.strategy.blueGreen.activeMetadata.labels}{.spec.strategy.blueGreen.previewMetadata.labels}';
const MUTATING = /^(abort|undo|patch|scale|apply|delete|edit|replace|set|annotate|label)$/;

/** The previous ReplicaSet's template as the API returns it, hash label included. */
const PREVIOUS_TEMPLATE = {
  metadata: {
    creationTimestamp: null,
    labels: {
      'app.kubernetes.io/name': 'search-engine',
      'rollouts-pod-template-hash': '7f9c8d6b5',
      'app.kubernetes.io/part-of': 'search-ops',
    },
  },
  spec: { containers: [{ name: 'engine', image: 'registry.example.com/search/engine:1.7.2' }] },
};

const REPLICA_SETS: readonly StubReplicaSet[] = [
  { revision: '3', name: 'search-engine-5b6c7d8e9', owner: 'Rollout/search-engine', template: { metadata: { labels: { 'rollouts-pod-template-hash': '5b6c7d8e9' } }, spec: { containers: [{ name: 'engine', image: 'registry.example.com/search/engine:1.7.1' }] } } },
  { revision: '5', name: 'search-engine-6d5f4c3b2', owner: 'Rollout/search-engine' },
  { revision: '4', name: 'search-engine-7f9c8d6b5', owner: 'Rollout/search-engine', template: PREVIOUS_TEMPLATE },
  // Another owner's ReplicaSet with a closer revision must be ignored.
  { revision: '4', name: 'search-engine-shadow-1a2b3c', owner: 'Rollout/search-engine-shadow' },
];

const AUDIT_FIELDS = ['time', 'actor', 'tool', 'action', 'target', 'from_revision', 'to_revision', 'dry_run', 'result'];

let stub: KubectlStub;
function world(state: StubState = {}): KubectlStub {
  stub = new KubectlStub({ revision: '5', replicaSets: REPLICA_SETS, ...state });
  return stub;
}
afterEach(() => stub?.destroy());

function rollback(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return stub.run(SCRIPT, args, env);
}

/** The arguments of a call without the trailing connection flags. */
function command(call: readonly string[]): string[] {
  return call.slice(0, -4);
}

function expectConnectionFlags(calls: readonly string[][]): void {
  for (const call of calls) expect(call.slice(-4)).toEqual(CONNECTION);
}

/** The `+ ` lines of an output, each split into words by bash itself. */
function printedCommands(stdout: string): string[][] {
  return stdout.split('\n').filter((line) => line.startsWith('+ kubectl ')).map((line) => {
    const words = spawnSync('bash', ['-c', `printf '%s\\0' ${line.slice('+ kubectl '.length)}`], { encoding: 'utf8' }).stdout;
    return words.split('\0').slice(0, -1);
  });
}

function lastAudit(): Record<string, any> {
  const lines = stub.auditLines();
  expect(lines.length).toBeGreaterThan(0);
  return JSON.parse(lines[lines.length - 1]);
}

describe('rollback.sh against a kubectl stand-in that records its arguments (no API server)', () => {
  describe('refusals: exit 2, no kubectl call, no audit line', () => {
    test.each([
      ['no --context', ['--namespace', 'search-prod', '--yes'], 'rollback.sh: missing required flag --context CTX; refusing to act on an implicit kubectl context\n'],
      ['no --namespace', ['--context', 'prod-eu', '--yes'], 'rollback.sh: missing required flag --namespace NS; refusing to act on an implicit namespace\n'],
      ['an empty --context', ['--context', '', '--namespace', 'search-prod', '--yes'], 'rollback.sh: --context needs a value\n'],
      ['--context followed by another flag', ['--context', '--namespace', 'search-prod', '--yes'], 'rollback.sh: --context needs a value\n'],
      ['an unknown flag', [...CONNECTION, '--force', '--yes'], "rollback.sh: unknown flag '--force' (see --help)\n"],
      ['an unknown workload', [...CONNECTION, '--workload', 'statefulset', '--yes'], "rollback.sh: '--workload' (statefulset) must be rollout or deployments\n"],
      ['a name that is no Kubernetes name', [...CONNECTION, '--name', 'Search Engine', '--yes'], "rollback.sh: '--name' (Search Engine) must be a Kubernetes object name\n"],
    ])('GIVEN %s WHEN rollback.sh runs THEN it exits 2 naming the problem', (_case, args, message) => {
      world();
      const result = rollback([...args, '--audit-log', stub.auditLog]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(message);
      expect(result.stdout).toBe('');
      expect(stub.calls()).toEqual([]);
      expect(stub.auditLines()).toEqual([]);
    });

    test('GIVEN stdin is not a terminal and no --yes WHEN rollback.sh runs THEN it refuses with exit 2 before calling kubectl', () => {
      world();
      const result = rollback([...CONNECTION, '--audit-log', stub.auditLog]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('rollback.sh: stdin is not a terminal and --yes was not given; refusing to act without confirmation\n');
      expect(stub.calls()).toEqual([]);
      expect(stub.auditLines()).toEqual([]);
    });

    test('GIVEN an audit log that cannot be written WHEN rollback.sh runs THEN it refuses before calling kubectl', () => {
      world();
      writeFileSync(join(stub.root, 'a-file'), '');
      const unwritable = join(stub.root, 'a-file', 'audit.log');
      const result = rollback([...CONNECTION, '--yes', '--audit-log', unwritable]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`rollback.sh: cannot write the audit log ${unwritable}; pass --audit-log FILE\n`);
      expect(stub.calls()).toEqual([]);
    });

    test('GIVEN a terminal WHEN the operator answers no THEN nothing changes, exit 2, no audit line', () => {
      world({ plugin: true });
      const result = stub.runOnTerminal(SCRIPT, [...CONNECTION, '--audit-log', stub.auditLog], 'n\n');
      expect(result.code).toBe(2);
      expect(result.stdout).toContain("Roll back rollout/search-engine (revision 5) in context 'prod-eu', namespace 'search-prod'? [y/N]");
      expect(result.stdout).toContain('rollback.sh: not confirmed; nothing changed');
      // Only reads, all before the question.
      const calls = stub.calls().map(command);
      expect(calls[0]).toEqual(['get', 'rollout', 'search-engine', '-o', REVISION_JSONPATH]);
      expect(calls.filter((call) => call.some((word) => MUTATING.test(word)))).toEqual([]);
      expect(stub.state('revision')).toBe('5');
      expect(stub.auditLines()).toEqual([]);
    });

    test('GIVEN a terminal WHEN the operator answers yes THEN it rolls back without --yes', () => {
      world({ plugin: true });
      const result = stub.runOnTerminal(SCRIPT, [...CONNECTION, '--audit-log', stub.auditLog], 'y\n');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('rolled back rollout/search-engine in prod-eu/search-prod from revision 5 to 6');
      expect(lastAudit().result).toBe('success');
    });
  });

  test('GIVEN --help WHEN rollback.sh runs THEN it prints usage and exits 0 without calling kubectl', () => {
    world();
    const result = rollback(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: scripts\/rollback\.sh --context CTX --namespace NS \[options\]/);
    expect(stub.calls()).toEqual([]);
  });

  describe('--dry-run', () => {
    test.each([
      ['the plugin present', true],
      ['the plugin absent', false],
    ])('GIVEN %s WHEN run with --dry-run (no --yes, no TTY) THEN every command is printed with "+ " and only read-only ones run', (_case, plugin) => {
      world({ plugin });
      const result = rollback([...CONNECTION, '--dry-run', '--audit-log', stub.auditLog]);
      expect(result.code).toBe(0);

      const printed = printedCommands(result.stdout);
      const ran = stub.calls();
      const isMutating = (call: readonly string[]) => call.some((word) => MUTATING.test(word));
      // What ran is exactly what was printed, minus the two changes.
      expect(printed.filter(isMutating).map((call) => call.slice(0, 3))).toEqual(
        plugin ? [['argo', 'rollouts', 'abort'], ['patch', 'rollout', 'search-engine']] : [['patch', 'rollout', 'search-engine'], ['patch', 'rollout', 'search-engine']],
      );
      expect(printed.filter((call) => !isMutating(call))).toEqual(ran);
      for (const call of ran) {
        expect(call[0] === 'get' || call.slice(0, 3).join(' ') === 'argo rollouts version').toBe(true);
        expect(isMutating(call)).toBe(false);
      }
      expectConnectionFlags(printed);
      expect(stub.state('revision')).toBe('5');
      expect(result.stdout).toContain('dry run: would roll back rollout/search-engine in prod-eu/search-prod from revision 5; nothing changed\n');

      const audit = lastAudit();
      expect(audit).toMatchObject({ dry_run: true, result: 'dry-run', from_revision: '5', to_revision: '5' });
    });

    test('GIVEN the plugin absent WHEN run with --dry-run THEN the printed template patch can be pasted into a shell as is', () => {
      world();
      const result = rollback([...CONNECTION, '--dry-run', '--audit-log', stub.auditLog]);
      const patch = printedCommands(result.stdout).find((call) => call[0] === 'patch' && !call.includes('--subresource'));
      expect(patch?.slice(0, 6)).toEqual(['patch', 'rollout', 'search-engine', '--type', 'json', '-p']);
      expect(JSON.parse(patch![6])[0].value.spec.containers[0].image).toBe('registry.example.com/search/engine:1.7.2');
    });
  });

  test('GIVEN the kubectl-argo-rollouts plugin WHEN rollback.sh --yes runs THEN it aborts through the plugin, then patches the previous template (never the plugin\'s undo), every call with --context and --namespace', () => {
    world({ plugin: true });
    const result = rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = stub.calls();
    const commands = calls.map(command);
    expect(commands.map((c) => c.slice(0, 3))).toEqual([
      ['get', 'rollout', 'search-engine'],
      ['argo', 'rollouts', 'version'],
      ['get', 'rs', '-l'],
      ['get', 'rs', 'search-engine-7f9c8d6b5'],
      ['get', 'rollout', 'search-engine'],
      ['argo', 'rollouts', 'abort'],
      ['patch', 'rollout', 'search-engine'],
      ['get', 'rollout', 'search-engine'],
    ]);
    expect(commands[5]).toEqual(['argo', 'rollouts', 'abort', 'search-engine']);
    expect(calls.some((call) => call.includes('undo'))).toBe(false);
    expectConnectionFlags(calls);
    expect(result.stdout).toContain('rolled back rollout/search-engine in prod-eu/search-prod from revision 5 to 6\n');
  });

  test('GIVEN no plugin WHEN rollback.sh --yes runs THEN it patches status.abort, then spec.template to the previous ReplicaSet\'s template without its hash label', () => {
    world({ plugin: false });
    const result = rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = stub.calls();
    expectConnectionFlags(calls);
    const commands = calls.map(command);
    expect(commands.slice(0, 2)).toEqual([
      ['get', 'rollout', 'search-engine', '-o', REVISION_JSONPATH],
      ['argo', 'rollouts', 'version'],
    ]);
    expect(commands[2].slice(0, 4)).toEqual(['get', 'rs', '-l', 'app.kubernetes.io/name=search-engine']);
    expect(commands[3]).toEqual(['get', 'rs', 'search-engine-7f9c8d6b5', '-o', 'jsonpath={.spec.template.metadata.labels}{"\\n"}{.spec.template}']);
    expect(commands[4]).toEqual(['get', 'rollout', 'search-engine', '-o', EPHEMERAL_JSONPATH]);
    expect(commands[5]).toEqual(['patch', 'rollout', 'search-engine', '--type', 'merge', '--subresource', 'status', '-p', '{"status":{"abort":true}}']);
    expect(commands[6].slice(0, 6)).toEqual(['patch', 'rollout', 'search-engine', '--type', 'json', '-p']);
    const { 'rollouts-pod-template-hash': _hash, ...labels } = PREVIOUS_TEMPLATE.metadata.labels;
    expect(JSON.parse(commands[6][6])).toEqual([{ op: 'replace', path: '/spec/template', value: { ...PREVIOUS_TEMPLATE, metadata: { ...PREVIOUS_TEMPLATE.metadata, labels } } }]);
    expect(commands[6][6]).not.toContain('rollouts-pod-template-hash');
    expect(commands[7]).toEqual(['get', 'rollout', 'search-engine', '-o', REVISION_JSONPATH]);
    expect(commands).toHaveLength(8);
    expect(result.stdout).toContain('previous revision: 4 (ReplicaSet search-engine-7f9c8d6b5)\n');
    expect(result.stdout).toContain('rolled back rollout/search-engine in prod-eu/search-prod from revision 5 to 6\n');
  });

  test.each([
    ['a stable label the controller injected', '{"track":"stable"}{"track":"canary"}', { track: 'stable', app: 'search-engine' }, ['track']],
    ['an injected label with a slash in its key', '{"example.com/role":"stable"}', { 'example.com/role': 'stable', app: 'search-engine' }, ['example.com~1role']],
    ['an ephemeral label the old template does not carry', '{"track":"stable"}', { app: 'search-engine' }, []],
    ['no stable or canary metadata at all', '', { track: 'stable', app: 'search-engine' }, []],
  ])('GIVEN %s WHEN rolled back THEN the template patch removes exactly the injected labels', (_case, ephemeralLabels, labels, removed) => {
    const template = { metadata: { labels: { ...labels, 'rollouts-pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'engine' }] } };
    world({ plugin: true, ephemeralLabels, replicaSets: [{ revision: '4', name: 'rs-4', owner: 'Rollout/search-engine', template }] });
    expect(rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]).code).toBe(0);
    const patch = stub.calls().map(command).find((c) => c[0] === 'patch');
    expect(JSON.parse(patch![6])).toEqual([
      { op: 'replace', path: '/spec/template', value: { ...template, metadata: { labels } } },
      ...removed.map((key) => ({ op: 'remove', path: `/spec/template/metadata/labels/${key}` })),
    ]);
  });

  test.each([
    ['the only label', { 'rollouts-pod-template-hash': 'abc' }, {}],
    ['the first label', { 'rollouts-pod-template-hash': 'abc', a: '1' }, { a: '1' }],
    ['the last label', { a: '1', 'rollouts-pod-template-hash': 'abc' }, { a: '1' }],
  ])('GIVEN the hash is %s of the previous template WHEN rolled back without the plugin THEN the patch is valid JSON without it', (_case, before, after) => {
    world({ replicaSets: [{ revision: '4', name: 'rs-4', owner: 'Rollout/search-engine', template: { metadata: { labels: before } } }] });
    expect(rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]).code).toBe(0);
    const patch = stub.calls().map(command).find((c) => c[0] === 'patch' && !c.includes('--subresource'));
    expect(JSON.parse(patch![6])).toEqual([{ op: 'replace', path: '/spec/template', value: { metadata: { labels: after } } }]);
  });

  test('GIVEN no plugin and no ReplicaSet below the current revision WHEN rollback.sh runs THEN nothing is patched and the audit says failed', () => {
    world({ replicaSets: [{ revision: '5', name: 'rs-5', owner: 'Rollout/search-engine' }] });
    const result = rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rollback.sh: no ReplicaSet of rollout search-engine has a revision below 5; nothing to roll back to\n');
    expect(stub.calls().some((call) => call[0] === 'patch')).toBe(false);
    expect(lastAudit()).toMatchObject({ result: 'failed', from_revision: '5', to_revision: '5' });
  });

  test('GIVEN --workload deployments WHEN rollback.sh --yes runs THEN it scales the canary Deployment to 0, then undoes it', () => {
    world({ deploymentRevision: '8' });
    const result = rollback([...CONNECTION, '--workload', 'deployments', '--yes', '--audit-log', stub.auditLog]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = stub.calls();
    const revision = 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}';
    expect(calls.map(command)).toEqual([
      ['get', 'deployment', 'search-engine-canary', '-o', revision],
      ['scale', 'deployment', 'search-engine-canary', '--replicas=0'],
      ['rollout', 'undo', 'deployment/search-engine-canary'],
      ['get', 'deployment', 'search-engine-canary', '-o', revision],
    ]);
    expectConnectionFlags(calls);
    expect(result.stdout).toContain('rolled back deployments/search-engine in prod-eu/search-prod from revision 8 to 9\n');
    expect(lastAudit()).toMatchObject({ target: { workload: 'deployments', name: 'search-engine' }, from_revision: '8', to_revision: '9' });
  });

  describe('audit log', () => {
    test('GIVEN an existing audit log WHEN a rollback succeeds THEN exactly one JSON line with exactly the documented fields is appended', () => {
      world({ plugin: true });
      mkdirSync(join(stub.root, 'audit'));
      writeFileSync(stub.auditLog, '{"earlier":"line"}\n');
      const before = Date.now();
      const result = rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]);
      expect(result.code).toBe(0);
      const lines = stub.auditLines();
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe('{"earlier":"line"}');
      const audit = JSON.parse(lines[1]);
      expect(Object.keys(audit)).toEqual(AUDIT_FIELDS);
      expect(audit).toEqual({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        actor: 'oncall@laptop',
        tool: 'rollback',
        action: 'rollback',
        target: { context: 'prod-eu', namespace: 'search-prod', workload: 'rollout', name: 'search-engine' },
        from_revision: '5',
        to_revision: '6',
        dry_run: false,
        result: 'success',
      });
      expect(Object.keys(audit.target)).toEqual(['context', 'namespace', 'workload', 'name']);
      expect(Math.abs(Date.parse(audit.time) - before)).toBeLessThan(60_000);
      expect(result.stdout).toContain(`audit line appended to ${stub.auditLog}\n`);
    });

    test('GIVEN no --audit-log WHEN rollback.sh runs THEN it writes to $SEARCH_OPS_AUDIT_LOG, creating its folder', () => {
      world({ plugin: true });
      const path = join(stub.root, 'elsewhere', 'deep', 'ops.log');
      expect(rollback([...CONNECTION, '--yes'], { SEARCH_OPS_AUDIT_LOG: path }).code).toBe(0);
      expect(stub.auditLines(path)).toHaveLength(1);
      expect(stub.auditLines(join(stub.home, '.search-ops', 'audit.log'))).toEqual([]);
    });

    test('GIVEN an actor and a context with quotes, backslashes and control characters WHEN audited THEN the line is still one valid JSON line with the exact values', () => {
      world({ plugin: true });
      const actor = 'o"brien\\ops\tteam\u0001@host';
      const context = 'arn:aws:eks:eu-west-1:1:cluster/"prod"';
      const result = rollback(['--context', context, '--namespace', 'search-prod', '--yes', '--audit-log', stub.auditLog], { SEARCH_OPS_ACTOR: actor });
      expect(result.code).toBe(0);
      expect(stub.auditLines()).toHaveLength(1);
      const audit = lastAudit();
      expect(audit.actor).toBe(actor);
      expect(audit.target.context).toBe(context);
    });

    test('GIVEN no SEARCH_OPS_ACTOR WHEN audited THEN actor is user@host', () => {
      world({ plugin: true });
      expect(rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog], { SEARCH_OPS_ACTOR: undefined }).code).toBe(0);
      const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
      const host = spawnSync('hostname', [], { encoding: 'utf8' }).stdout.trim();
      expect(lastAudit().actor).toBe(`${user}@${host}`);
    });

    test('GIVEN kubectl fails on abort WHEN rollback.sh runs THEN it exits non-zero, never restores the template, and audits result "failed"', () => {
      world({ plugin: true, failOn: 'abort' });
      const result = rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`rollback FAILED for rollout/search-engine in prod-eu/search-prod (exit 1); audit line appended to ${stub.auditLog}\n`);
      expect(stub.calls().some((call) => call[0] === 'patch')).toBe(false);
      expect(stub.auditLines()).toHaveLength(1);
      const audit = lastAudit();
      expect(Object.keys(audit)).toEqual(AUDIT_FIELDS);
      expect(audit).toMatchObject({ from_revision: '5', to_revision: '5', dry_run: false, result: 'failed' });
    });

    test('GIVEN the controller has not recorded a new revision yet WHEN the wait runs out THEN it says so and audits the revision it saw', () => {
      world({ plugin: true, revisionSticks: true });
      const result = rollback([...CONNECTION, '--yes', '--audit-log', stub.auditLog], { SEARCH_OPS_ROLLBACK_WAIT_SECONDS: '1' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('but the revision is still 5 after 1s');
      expect(stub.calls().filter((call) => call[1] === 'rollout' && call.includes(REVISION_JSONPATH))).toHaveLength(3);
      expect(lastAudit()).toMatchObject({ from_revision: '5', to_revision: '5', result: 'success' });
    });
  });

  test('GIVEN --flag=value forms WHEN rollback.sh runs THEN they work like --flag value', () => {
    world({ plugin: true });
    const result = rollback(['--context=prod-eu', '--namespace=search-prod', '--name=search-engine', '--yes', `--audit-log=${stub.auditLog}`]);
    expect(result.code).toBe(0);
    expectConnectionFlags(stub.calls());
  });

  describe('static checks', () => {
    test.each([SCRIPT, join(KUBECTL_STUB_BIN, 'kubectl')])('bash -n %s passes', (file) => {
      const result = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    // shellcheck comes from Debian, installed by scripts/bootstrap.sh.
    test('shellcheck finds nothing in rollback.sh, the stand-in or the project scripts', () => {
      const scripts = ['rollback.sh', 'bootstrap.sh', 'test.sh', 'build-mongo-tools.sh', 'build-cluster-tools.sh', 'local-cluster.sh'].map((name) => join(SCRIPT, '..', name));
      const result = spawnSync('shellcheck', [...scripts, join(__dirname, '..', 'support', 'kubectl-stub', 'kubectl')], { encoding: 'utf8' });
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    });
  });
});
