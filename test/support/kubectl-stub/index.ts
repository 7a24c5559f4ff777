import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder that holds the stand-in `kubectl`; put it first on PATH. */
export const KUBECTL_STUB_BIN = __dirname;

export interface StubReplicaSet {
  readonly revision: string;
  readonly name: string;
  /** `Kind/name` of the owner, as the script's listing prints it. */
  readonly owner: string;
  /** The template that `get rs <name> -o jsonpath=...` answers with, after its labels. */
  readonly template?: Record<string, unknown>;
}

export interface StubState {
  /** The Rollout's revision annotation. */
  readonly revision?: string;
  /** The canary Deployment's revision annotation. */
  readonly deploymentRevision?: string;
  /** Whether `kubectl argo rollouts` exists. */
  readonly plugin?: boolean;
  readonly replicaSets?: readonly StubReplicaSet[];
  /** Any call with this argument fails with exit 1. */
  readonly failOn?: string;
  /** An undo leaves the revision as it was (a controller that has not caught up). */
  readonly revisionSticks?: boolean;
  /** The Rollout's stableMetadata and canaryMetadata labels, as the jsonpath query prints them. */
  readonly ephemeralLabels?: string;
}

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A temporary world for one script run: stub state, call log, HOME and audit
 * log all live in one temp folder, removed by `destroy()`.
 */
export class KubectlStub {
  public readonly root = mkdtempSync(join(tmpdir(), 'search-ops-kubectl-stub-'));
  public readonly stateDir = join(this.root, 'state');
  public readonly callLog = join(this.root, 'calls.log');
  public readonly home = join(this.root, 'home');
  public readonly auditLog = join(this.root, 'audit', 'audit.log');

  public constructor(state: StubState = {}) {
    chmodSync(join(KUBECTL_STUB_BIN, 'kubectl'), 0o755);
    mkdirSync(join(this.stateDir, 'rs'), { recursive: true });
    mkdirSync(this.home);
    writeFileSync(join(this.stateDir, 'revision'), `${state.revision ?? '5'}\n`);
    writeFileSync(join(this.stateDir, 'deployment-revision'), `${state.deploymentRevision ?? '3'}\n`);
    if (state.plugin === true) writeFileSync(join(this.stateDir, 'plugin'), '');
    if (state.failOn !== undefined) writeFileSync(join(this.stateDir, 'fail-on'), state.failOn);
    if (state.revisionSticks === true) writeFileSync(join(this.stateDir, 'revision-sticks'), '');
    if (state.ephemeralLabels !== undefined) writeFileSync(join(this.stateDir, 'ephemeral-labels'), state.ephemeralLabels);
    const replicaSets = state.replicaSets ?? [];
    writeFileSync(join(this.stateDir, 'replicasets'), replicaSets.map((rs) => `${rs.revision}\t${rs.name}\t${rs.owner}\n`).join(''));
    for (const rs of replicaSets) {
      if (rs.template === undefined) continue;
      writeFileSync(join(this.stateDir, 'rs', `${rs.name}.json`), JSON.stringify(rs.template));
      const labels = (rs.template.metadata as { labels?: Record<string, string> } | undefined)?.labels;
      if (labels !== undefined) writeFileSync(join(this.stateDir, 'rs', `${rs.name}.labels.json`), JSON.stringify(labels));
    }
  }

  /** The environment of a run: stub first on PATH, HOME inside the temp folder. */
  public env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${KUBECTL_STUB_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: this.home,
      LANG: 'C.UTF-8',
      KUBECTL_STUB_DIR: this.stateDir,
      KUBECTL_STUB_LOG: this.callLog,
      SEARCH_OPS_ACTOR: 'oncall@laptop',
      ...extra,
    };
  }

  /** Runs a program with stdin a pipe (never a TTY). */
  public run(program: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): ScriptResult {
    const result = spawnSync(program, args, { env: this.env(extraEnv), input: '', encoding: 'utf8', timeout: 30_000 });
    if (result.error !== undefined) throw result.error;
    return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  }

  /** Runs a program on a pseudo-terminal (util-linux `script`), typing `input`. */
  public runOnTerminal(program: string, args: readonly string[], input: string): ScriptResult {
    const command = [program, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const result = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], { env: this.env(), input, encoding: 'utf8', timeout: 30_000 });
    if (result.error !== undefined) throw result.error;
    return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  }

  /** Every kubectl call so far, as its argument list. */
  public calls(): string[][] {
    if (!existsSync(this.callLog)) return [];
    return readFileSync(this.callLog, 'utf8').split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
  }

  /** The current canned state of one state file (`revision`, `deployment-revision`). */
  public state(file: string): string {
    return readFileSync(join(this.stateDir, file), 'utf8').trim();
  }

  /** The lines of the audit log, raw; empty when it does not exist. */
  public auditLines(path = this.auditLog): string[] {
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
  }

  public destroy(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
