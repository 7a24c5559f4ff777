import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { AlertOptions } from '../monitoring/alert-rules';
import { sloWarnings } from '../monitoring/slo-validation';
import { auditPolicy } from './audit-policy';
import { ConfigError } from './config-error';
import { writeMonitoringFiles } from './monitoring-files';
import { EnvironmentChart } from './environment-chart';
import { worstCaseBudgetBurn } from './canary-analysis';
import { EnvironmentSpec, GitOpsSpec, WorkloadKind } from './environment-spec';
import { ENGINE_NAME } from './identity';
import { GitOpsChart } from './gitops';
import { KubeObject, writeHelmChart } from './helm-chart';
import { validateEnvironments } from './spec-validation';

export interface SearchOpsAppProps {
  readonly environments: readonly EnvironmentSpec[];
  readonly gitops: GitOpsSpec;
  /** @default 'dist' */
  readonly outdir?: string;
  /**
   * The environment the Helm chart renders with its default values.
   * @default 'prod'
   */
  readonly helmEnvironment?: string;
  /** @default '0.1.0' */
  readonly chartVersion?: string;
  /**
   * Where `runbooks/` can be read; alerts link `<base>/<AlertName>.md`.
   * @default - the GitOps repository's runbooks folder at the target revision
   */
  readonly runbookBaseUrl?: string;
  /** Receives warnings, such as an SLO whose budget outruns detection. @default - standard error */
  readonly warn?: (message: string) => void;
  /** Receives the synth report, such as each policy's worst-case budget burn. @default - standard output */
  readonly report?: (message: string) => void;
}

/** Folders of `dist/` that are not environments. */
export const RESERVED_FOLDERS = [GitOpsChart.FOLDER, 'audit', 'helm', 'monitoring'] as const;
export const HELM_CHART_NAME = 'search-ops';

/**
 * The search-ops app: one chart per environment and the Argo CD chart.
 * `synth()` writes into a staging folder and swaps it for `outdir` only when
 * everything succeeded, so a failing synth leaves `outdir` as it was.
 */
export class SearchOpsApp extends App {
  public readonly distDir: string;
  public readonly environments: readonly EnvironmentChart[];
  private readonly helmEnvironment: string;
  private readonly alerts: AlertOptions;
  private readonly report: (message: string) => void;
  private readonly chartVersion: string;

  public constructor(props: SearchOpsAppProps) {
    const distDir = resolve(props.outdir ?? 'dist');
    super({ outdir: `${distDir}.staging-${process.pid}`, yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
    validateEnvironments(props.environments);
    this.helmEnvironment = props.helmEnvironment ?? 'prod';
    checkFolders(props.environments, this.helmEnvironment);
    this.distDir = distDir;
    this.chartVersion = props.chartVersion ?? '0.1.0';
    this.alerts = { runbookBaseUrl: props.runbookBaseUrl ?? defaultRunbookBaseUrl(props.gitops) };
    this.environments = props.environments.map((spec) => new EnvironmentChart(this, { spec, alerts: this.alerts }));
    this.report = props.report ?? ((message: string) => process.stdout.write(`${message}\n`));
    const warn = props.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
    for (const chart of this.environments) {
      for (const w of sloWarnings(chart.target.slo)) warn(`environment '${chart.spec.name}': '${w.field}' (${w.value}) ${w.rule}`);
    }
    new GitOpsChart(this, { gitops: props.gitops, environments: this.environments, distPath: basename(distDir) });
  }

  /** Prepends the worst-case budget burn to each Rollout file, and prints it. */
  private annotateBudgetBurn(): void {
    for (const [environment, line] of budgetLines(this.environments)) {
      const file = join(this.outdir, environment, `Rollout.${ENGINE_NAME}.k8s.yaml`);
      writeFileSync(file, `# Worst case: ${line}.\n${readFileSync(file, 'utf8')}`);
      this.report(`${environment}: ${line}`);
    }
  }

  public synth(): void {
    rmSync(this.outdir, { recursive: true, force: true });
    try {
      super.synth();
      const helmChart = this.environments.find((chart) => chart.spec.name === this.helmEnvironment)!;
      writeHelmChart(join(this.outdir, 'helm', HELM_CHART_NAME), {
        name: HELM_CHART_NAME,
        version: this.chartVersion,
        spec: helmChart.spec,
        files: readObjects(join(this.outdir, helmChart.spec.name)),
      });
      this.annotateBudgetBurn();
      mkdirSync(join(this.outdir, 'audit'));
      writeFileSync(join(this.outdir, 'audit', 'policy.yaml'), stringify(auditPolicy(this.environments.map((c) => c.spec.namespace)), { lineWidth: 0, aliasDuplicateObjects: false }));
      writeMonitoringFiles(join(this.outdir, 'monitoring'), { targets: this.environments.map((chart) => chart.target), alerts: this.alerts });
      swapDirectory(this.outdir, this.distDir);
    } finally {
      rmSync(this.outdir, { recursive: true, force: true });
    }
  }
}

/** Budget each environment's delivery policy puts at risk: printed, and written atop its Rollout. */
function budgetLines(environments: readonly EnvironmentChart[]): Map<string, string> {
  const lines = new Map<string, string>();
  for (const chart of environments) {
    if ((chart.spec.delivery.workload ?? WorkloadKind.ROLLOUT) !== WorkloadKind.ROLLOUT) continue;
    lines.set(chart.spec.name, worstCaseBudgetBurn(chart.spec).summary);
  }
  return lines;
}

function defaultRunbookBaseUrl(gitops: GitOpsSpec): string {
  return `${gitops.repoUrl.replace(/\.git$/, '')}/blob/${gitops.targetRevision ?? 'main'}/runbooks`;
}

function checkFolders(environments: readonly EnvironmentSpec[], helmEnvironment: string): void {
  const problems: string[] = [];
  for (const env of environments) {
    if ((RESERVED_FOLDERS as readonly string[]).includes(env.name)) {
      problems.push(`environment '${env.name}': 'name' ('${env.name}') is reserved for a folder of generated output (${RESERVED_FOLDERS.join(', ')})`);
    }
  }
  if (!environments.some((env) => env.name === helmEnvironment)) {
    problems.push(`'helmEnvironment' ('${helmEnvironment}') must name a declared environment`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The objects of each synthesized file of one folder, in file-name order. */
function readObjects(folder: string): Map<string, KubeObject[]> {
  const files = new Map<string, KubeObject[]>();
  for (const file of readdirSync(folder).sort()) {
    files.set(file, parseAllDocuments(readFileSync(join(folder, file), 'utf8')).map((doc) => doc.toJS()));
  }
  return files;
}

/** Replaces `target` by `staging` with two renames in one parent folder. */
function swapDirectory(staging: string, target: string): void {
  const previous = join(dirname(target), `.${basename(target)}.previous-${process.pid}`);
  if (existsSync(target)) renameSync(target, previous);
  renameSync(staging, target);
  rmSync(previous, { recursive: true, force: true });
}
