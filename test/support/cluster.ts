import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLS_BIN } from './services';
import { REPO_ROOT } from './synth';
import { run, ToolResult } from './tools';

const SCRIPT = join(REPO_ROOT, 'scripts', 'local-cluster.sh');
export const CLUSTER_CONTEXT = 'search-ops-local';

export interface ClusterOptions {
  /** Also run the Argo Rollouts controller. */
  readonly rollouts?: boolean;
  /** A kube-apiserver audit Policy file; the log goes to `auditLog`. */
  readonly auditPolicy?: string;
}

/**
 * The real control plane of scripts/local-cluster.sh (etcd, kube-apiserver,
 * controller-manager, scheduler, kwok's fake node) in a throwaway folder.
 */
export class LocalCluster {
  private constructor(public readonly dir: string, public readonly startupMs: number) {}

  public static start(options: ClusterOptions = {}): LocalCluster {
    const dir = mkdtempSync(join(tmpdir(), 'search-ops-cluster-'));
    const args = ['start', dir];
    if (options.rollouts) args.push('--rollouts');
    if (options.auditPolicy) args.push('--audit-policy', options.auditPolicy);
    const began = Date.now();
    try {
      execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const failed = error as { stderr?: string };
      throw new Error(`local cluster did not start:\n${failed.stderr ?? error}`);
    }
    return new LocalCluster(dir, Date.now() - began);
  }

  public get kubeconfig(): string {
    return join(this.dir, 'kubeconfig');
  }

  public get auditLog(): string {
    return join(this.dir, 'logs', 'audit.jsonl');
  }

  /** Environment for tools that talk to this cluster: its kubeconfig, and .tools/bin first on PATH (kubectl and its Argo Rollouts plugin). */
  public get env(): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.kubeconfig, PATH: `${TOOLS_BIN}:${process.env.PATH}` };
  }

  public kubectl(args: readonly string[], input?: string): ToolResult {
    if (input === undefined) return run(join(TOOLS_BIN, 'kubectl'), args, { env: this.env });
    try {
      const output = execFileSync(join(TOOLS_BIN, 'kubectl'), args, { env: this.env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
      return { code: 0, output };
    } catch (error) {
      const failed = error as { status?: number; stdout?: string; stderr?: string };
      return { code: failed.status ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  /** kubectl that must succeed; its output. */
  public must(args: readonly string[], input?: string): string {
    const result = this.kubectl(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}):\n${result.output}`);
    return result.output;
  }

  public json<T = any>(args: readonly string[]): T {
    return JSON.parse(this.must([...args, '-o', 'json'])) as T;
  }

  /** Stops every process the script started (by PID) and removes the folder, unless SEARCH_OPS_KEEP_TMP=1 asks to keep it for its logs. */
  public stop(): void {
    run('bash', [SCRIPT, 'stop', this.dir]);
    if (process.env.SEARCH_OPS_KEEP_TMP === '1') {
      console.log(`local cluster stopped; its CA, logs and etcd data are kept in ${this.dir}`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `probe` until it returns a value other than undefined. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => T | undefined, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
