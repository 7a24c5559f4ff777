/**
 * Rolls an environment's embedding model back to the previous version, the
 * GitOps way: edits constructs/releases.json, re-synthesizes dist/, and shows
 * the diff to commit. Argo CD then syncs it and Argo Rollouts rolls the engine
 * out as a canary with the old model, analysed like any release.
 *
 *   npm run model-rollback -- --environment prod [--dry-run] [--yes]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appendAudit, auditLogPath, checkAuditLogWritable } from './audit';
import { confirm, UsageError } from './confirm';

const USAGE = `usage: npm run model-rollback -- --environment ENV [options]

Sets the embedding model of ENV back to its previous version in constructs/releases.json,
runs npm run synth, and shows the diff to commit. Nothing reaches a cluster until you push.

  --environment ENV   dev, staging, prod... as in constructs/releases.json (required)
  --repo DIR          the search-ops checkout (default: this one)
  --dry-run           show what would change; write nothing
  --yes               do not ask for confirmation (required without a terminal)
  --audit-log FILE    default: $SEARCH_OPS_AUDIT_LOG, else ~/.search-ops/audit.log
  --help              this text
`;

interface Release {
  readonly imageTag: string;
  readonly embeddingModel: { readonly current: string; readonly previous: string };
}

/** The swap: previous becomes current, and the bad one is kept as previous, to roll forward again. */
export function swapModel(release: Release): Release {
  return { ...release, embeddingModel: { current: release.embeddingModel.previous, previous: release.embeddingModel.current } };
}

function git(repo: string, args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
}

export async function main(argv: string[]): Promise<number> {
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          environment: { type: 'string' }, repo: { type: 'string' }, 'dry-run': { type: 'boolean', default: false },
          yes: { type: 'boolean', default: false }, 'audit-log': { type: 'string' }, help: { type: 'boolean', default: false },
        },
        strict: true,
      }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const environment = values.environment;
    if (environment === undefined || environment === '') throw new UsageError('--environment is required');
    const repo = resolve(values.repo ?? join(__dirname, '..'));
    const releasesFile = join(repo, 'constructs', 'releases.json');
    const releases = JSON.parse(readFileSync(releasesFile, 'utf8')) as Record<string, Release>;
    const release = releases[environment];
    if (release === undefined) throw new UsageError(`--environment ('${environment}') must be one of ${Object.keys(releases).join(', ')}`);
    const auditLog = auditLogPath(values['audit-log']);
    checkAuditLogWritable(auditLog);
    const dryRun = values['dry-run']!;
    const { current, previous } = release.embeddingModel;
    const record = (result: 'success' | 'failed' | 'dry-run') => appendAudit(auditLog, {
      tool: 'model-rollback', action: 'rollback-embedding-model', target: { environment, file: 'constructs/releases.json' },
      dry_run: dryRun, result, from_model: current, to_model: previous,
    });

    process.stdout.write(`${environment}: embedding model ${current} -> ${previous}\n`);
    if (dryRun) {
      process.stdout.write(`would write constructs/releases.json, run npm run synth, and change dist/${environment}/ (the engine's EMBEDDING_MODEL_VERSION)\n`);
      record('dry-run');
      return 0;
    }
    await confirm('Write the change and re-synthesize?', values.yes!);

    const original = readFileSync(releasesFile, 'utf8');
    writeFileSync(releasesFile, `${JSON.stringify({ ...releases, [environment]: swapModel(release) }, null, 2)}\n`);
    try {
      execFileSync('npm', ['run', '--silent', 'synth'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (error) {
      writeFileSync(releasesFile, original); // synth failed: leave the checkout as it was
      record('failed');
      throw new Error(`npm run synth failed; constructs/releases.json restored: ${(error as Error).message}`);
    }
    record('success');
    process.stdout.write(git(repo, ['diff', '--stat', '--', 'constructs/releases.json', `dist/${environment}`]));
    process.stdout.write(git(repo, ['diff', '-U1', '--', `dist/${environment}/Rollout.search-engine.k8s.yaml`]));
    process.stdout.write([
      '',
      'Next: review, then commit and push constructs/releases.json and dist/:',
      `  git commit -am "${environment}: roll the embedding model back to ${previous}" && git push`,
      `Argo CD syncs dist/${environment}; Argo Rollouts rolls search-engine out as a canary with the previous model,`,
      'aborting by itself if the analysis fails. Watch: kubectl argo rollouts get rollout search-engine -n <namespace> --watch',
      '',
    ].join('\n'));
    return 0;
  } catch (error) {
    process.stderr.write(`model-rollback: ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
