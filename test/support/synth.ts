import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, GITOPS } from '../../constructs/environments';
import { EnvironmentSpec } from '../../constructs/environment-spec';
import { SearchOpsApp } from '../../constructs/search-ops-app';

export const REPO_ROOT = join(__dirname, '..', '..');
export const COMMITTED_DIST = join(REPO_ROOT, 'dist');

export type KubeObject = Record<string, any>;

/** Synthesizes into a fresh temporary `dist/` and returns its path. */
export function synthToTemp(environments: readonly EnvironmentSpec[] = ENVIRONMENTS): string {
  const outdir = join(mkdtempSync(join(tmpdir(), 'search-ops-')), 'dist');
  new SearchOpsApp({ environments, gitops: GITOPS, outdir }).synth();
  return outdir;
}

/** Every file under `dir`, relative path to content. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** The objects of every YAML file of one folder. */
export function readObjects(folder: string): KubeObject[] {
  return [...readTree(folder).entries()]
    .filter(([file]) => file.endsWith('.yaml'))
    .flatMap(([, text]) => parseAllDocuments(text).map((doc) => doc.toJS()));
}

export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}
