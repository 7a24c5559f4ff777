import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ALERTS } from '../monitoring/conventions';

/**
 * Runbooks are read at 3 a.m. by someone who types what they say. These tests
 * fail when a runbook is missing for an alert, lacks a section, names a script,
 * an npm script, a flag of our tools or an alert that does not exist, or when
 * the index does not list it. Each check is a pure function over the text, and
 * each is proven on a small bad runbook at the end.
 */

const REPO_ROOT = join(__dirname, '..');
const RUNBOOKS_DIR = join(REPO_ROOT, 'runbooks');
const INDEX = 'README.md';

/** The sections of every runbook, in this order (HOUSE-STYLE.md, Runbooks). */
export const SECTIONS = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation', 'Dashboard'] as const;

/** Our tools and how to get their --help: every flag a runbook passes them must be listed there. */
const TOOLS: Readonly<Record<string, readonly string[]>> = {
  'scripts/cache-flush.ts': [process.execPath, '--import', 'tsx'],
  'scripts/index-rebuild.ts': [process.execPath, '--import', 'tsx'],
  'scripts/model-rollback.ts': [process.execPath, '--import', 'tsx'],
  'scripts/set-image-tag.ts': [process.execPath, '--import', 'tsx'],
  'scripts/rollback.sh': ['bash'],
};

/** A word that reads as one of our alert names. */
const ALERT_LIKE = /\b(Search[A-Z][A-Za-z]+(?:ErrorBudgetBurn|Down|Stale|Looping|NotReady|Absent|TooOld))\b/g;
/** A path under scripts/ (not test/scripts/...), trailing sentence punctuation excluded. */
const SCRIPT_PATH = /(?<![\w/.-])scripts\/[\w.-]*[\w-]/g;
const NPM_RUN = /\bnpm run (?:--silent )?([\w:.-]+)/g;
/** A tool invocation: `npm run <script>` or `scripts/<tool>.ts|sh`. */
const INVOCATION = /\bnpm run (?:--silent )?([\w:.-]+)|(?<![\w/.-])(scripts\/[\w.-]+\.(?:ts|sh))\b/g;
/** Where an invocation's arguments end on a line: inline code closes, a pipe, a command separator. */
const ARGUMENTS_END = /`|\||;|&&/;
const FLAG = /(?<![\w-])--[A-Za-z][\w-]*/g;

export interface Runbook {
  /** Path under runbooks/, e.g. `flush-cache.md`. */
  readonly name: string;
  readonly text: string;
}

export interface Repo {
  readonly fileExists: (path: string) => boolean;
  /** package.json `scripts`. */
  readonly npmScripts: Readonly<Record<string, string>>;
  /** The flags each tool's --help lists, by tool path (`scripts/cache-flush.ts`). */
  readonly toolFlags: Readonly<Record<string, ReadonlySet<string>>>;
}

const where = (runbook: Runbook, line: number) => `runbooks/${runbook.name}:${line + 1}`;
const lines = (text: string) => text.split('\n');

/** The `## ` headings outside fenced code blocks. */
export function sectionHeadings(text: string): string[] {
  let fenced = false;
  const headings: string[] = [];
  for (const line of lines(text)) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced && /^## /.test(line)) headings.push(line.slice(3).trim());
  }
  return headings;
}

export function missingAlertRunbooks(alerts: readonly string[], runbookNames: readonly string[]): string[] {
  return alerts.filter((alert) => !runbookNames.includes(`${alert}.md`)).map((alert) => `alert ${alert} has no runbook: create runbooks/${alert}.md`);
}

export function sectionProblems(runbook: Runbook): string[] {
  const headings = sectionHeadings(runbook.text);
  if (headings.length === SECTIONS.length && headings.every((heading, i) => heading === SECTIONS[i])) return [];
  const missing = SECTIONS.filter((section) => !headings.includes(section));
  const extra = headings.filter((heading) => !(SECTIONS as readonly string[]).includes(heading));
  return [`runbooks/${runbook.name}: sections are [${headings.join(', ')}]; must be exactly [${SECTIONS.join(', ')}] in this order`
    + `${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}${extra.length > 0 ? `; not allowed: ${extra.join(', ')}` : ''}`];
}

export function scriptProblems(runbook: Runbook, repo: Repo): string[] {
  const problems: string[] = [];
  lines(runbook.text).forEach((line, i) => {
    for (const [path] of line.matchAll(SCRIPT_PATH)) {
      if (!repo.fileExists(path)) problems.push(`${where(runbook, i)} names ${path}, which does not exist`);
    }
    for (const [, script] of line.matchAll(NPM_RUN)) {
      if (!(script in repo.npmScripts)) problems.push(`${where(runbook, i)} runs npm run ${script}, which is not a script in package.json`);
    }
  });
  return problems;
}

/** The tool an invocation runs, when it is one of ours: `npm run cache-flush` is `scripts/cache-flush.ts`. */
function toolOf(match: RegExpMatchArray, repo: Repo): string | undefined {
  const [, npmScript, path] = match;
  const target = path ?? /\bscripts\/[\w.-]+\.(?:ts|sh)\b/.exec(repo.npmScripts[npmScript] ?? '')?.[0];
  return target !== undefined && target in repo.toolFlags ? target : undefined;
}

export function flagProblems(runbook: Runbook, repo: Repo): string[] {
  const problems: string[] = [];
  lines(runbook.text).forEach((line, i) => {
    const invocations = [...line.matchAll(INVOCATION)];
    invocations.forEach((match, k) => {
      const tool = toolOf(match, repo);
      if (tool === undefined) return;
      const start = match.index! + match[0].length;
      const next = k + 1 < invocations.length ? invocations[k + 1].index! : line.length;
      const rest = line.slice(start, next);
      const end = ARGUMENTS_END.exec(rest);
      const args = end === null ? rest : rest.slice(0, end.index);
      const known = repo.toolFlags[tool];
      for (const [flag] of args.matchAll(FLAG)) {
        if (!known.has(flag)) {
          problems.push(`${where(runbook, i)} passes ${flag} to ${match[0]}, but ${tool} --help ${known.size > 0 ? `lists only ${[...known].join(', ')}` : 'lists no flags'}`);
        }
      }
    });
  });
  return problems;
}

export function alertNameProblems(runbook: Runbook, alerts: readonly string[]): string[] {
  const problems: string[] = [];
  lines(runbook.text).forEach((line, i) => {
    for (const [, name] of line.matchAll(ALERT_LIKE)) {
      if (!alerts.includes(name)) problems.push(`${where(runbook, i)} names alert ${name}, which is not in ALERTS (monitoring/conventions.ts)`);
    }
  });
  return problems;
}

export function indexProblems(index: string, runbookNames: readonly string[]): string[] {
  return runbookNames.filter((name) => !index.includes(`](${name})`)).map((name) => `runbooks/${INDEX} does not link runbooks/${name}: add [${name}](${name})`);
}

function listRunbooks(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listRunbooks(path);
    return entry.endsWith('.md') ? [relative(RUNBOOKS_DIR, path)] : [];
  });
}

const RUNBOOK_NAMES = listRunbooks(RUNBOOKS_DIR).filter((name) => name !== INDEX).sort();
const RUNBOOKS: readonly Runbook[] = RUNBOOK_NAMES.map((name) => ({ name, text: readFileSync(join(RUNBOOKS_DIR, name), 'utf8') }));
const ALERT_NAMES: readonly string[] = Object.values(ALERTS);
const NPM_SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

let repo: Repo;

beforeAll(() => {
  const toolFlags: Record<string, ReadonlySet<string>> = {};
  for (const [tool, runner] of Object.entries(TOOLS)) {
    const help = spawnSync(runner[0], [...runner.slice(1), join(REPO_ROOT, tool), '--help'], { cwd: REPO_ROOT, encoding: 'utf8', input: '' });
    if (help.status !== 0 || help.stdout.trim() === '') throw new Error(`${tool} --help exited ${help.status}: ${help.stderr}`);
    toolFlags[tool] = new Set([...help.stdout.matchAll(FLAG)].map(([flag]) => flag));
  }
  repo = { fileExists: (path) => existsSync(join(REPO_ROOT, path)), npmScripts: NPM_SCRIPTS, toolFlags };
}, 60_000);

describe('runbooks', () => {
  test('GIVEN the runbooks folder WHEN listed THEN the checks below have runbooks to check (at least one per alert)', () => {
    expect(RUNBOOK_NAMES.length).toBeGreaterThanOrEqual(ALERT_NAMES.length);
  });

  test.each(ALERT_NAMES)('GIVEN alert %s in ALERTS WHEN runbooks/ is listed THEN runbooks/<alert>.md exists', (alert) => {
    expect(missingAlertRunbooks([alert], RUNBOOK_NAMES)).toEqual([]);
  });

  test.each(RUNBOOKS.map((runbook) => [runbook.name, runbook] as const))(
    'GIVEN runbooks/%s WHEN its ## headings are read THEN they are Meaning, Impact, Diagnosis, Mitigation, Dashboard in order', (_, runbook) => {
      expect(sectionProblems(runbook)).toEqual([]);
    });

  test.each(RUNBOOKS.map((runbook) => [runbook.name, runbook] as const))(
    'GIVEN runbooks/%s WHEN it names scripts THEN every scripts/ path exists and every npm run is a package.json script', (_, runbook) => {
      expect(scriptProblems(runbook, repo)).toEqual([]);
    });

  test.each(RUNBOOKS.map((runbook) => [runbook.name, runbook] as const))(
    'GIVEN runbooks/%s WHEN it runs one of our tools THEN every flag it passes is listed by that tool\'s --help', (_, runbook) => {
      expect(flagProblems(runbook, repo)).toEqual([]);
    });

  test.each(RUNBOOKS.map((runbook) => [runbook.name, runbook] as const))(
    'GIVEN runbooks/%s WHEN it names an alert THEN the alert is in ALERTS', (_, runbook) => {
      expect(alertNameProblems(runbook, ALERT_NAMES)).toEqual([]);
    });

  test('GIVEN runbooks/README.md WHEN read THEN it links every runbook', () => {
    expect(indexProblems(readFileSync(join(RUNBOOKS_DIR, INDEX), 'utf8'), RUNBOOK_NAMES)).toEqual([]);
  });
});

describe('the checks catch what they are meant to catch', () => {
  const GOOD_SECTIONS = SECTIONS.map((section) => `## ${section}\n\ntext\n`).join('\n');
  const bad = (text: string): Runbook => ({ name: 'bad-runbook.md', text: `# bad-runbook\n\n${text}` });

  test('GIVEN an alert without a runbook WHEN checked THEN the alert and the missing file are named', () => {
    expect(missingAlertRunbooks(['SearchCacheDown', 'SearchGhostDown'], ['SearchCacheDown.md', 'flush-cache.md']))
      .toEqual(['alert SearchGhostDown has no runbook: create runbooks/SearchGhostDown.md']);
  });

  test('GIVEN a runbook without Impact WHEN checked THEN the runbook and the missing section are named', () => {
    const text = GOOD_SECTIONS.replace('## Impact\n', '');
    expect(sectionProblems(bad(text))).toEqual([
      'runbooks/bad-runbook.md: sections are [Meaning, Diagnosis, Mitigation, Dashboard]; must be exactly [Meaning, Impact, Diagnosis, Mitigation, Dashboard] in this order; missing: Impact',
    ]);
  });

  test('GIVEN sections out of order or a heading inside a code block WHEN checked THEN the order is refused and the code block ignored', () => {
    const swapped = GOOD_SECTIONS.replace('## Diagnosis', '## TEMP').replace('## Mitigation', '## Diagnosis').replace('## TEMP', '## Mitigation');
    expect(sectionProblems(bad(swapped))).toEqual([
      'runbooks/bad-runbook.md: sections are [Meaning, Impact, Mitigation, Diagnosis, Dashboard]; must be exactly [Meaning, Impact, Diagnosis, Mitigation, Dashboard] in this order',
    ]);
    expect(sectionProblems(bad(`${GOOD_SECTIONS}\n\`\`\`sh\n## not a heading\n\`\`\`\n`))).toEqual([]);
  });

  test('GIVEN a runbook naming a missing script and an unknown npm script WHEN checked THEN both are named with their line', () => {
    const text = 'Run `scripts/rollback.sh`, then `scripts/restore-everything.sh`.\n\n```sh\nnpm run synth && npm run restore-everything\n```\n';
    expect(scriptProblems(bad(text), repo)).toEqual([
      'runbooks/bad-runbook.md:3 names scripts/restore-everything.sh, which does not exist',
      'runbooks/bad-runbook.md:6 runs npm run restore-everything, which is not a script in package.json',
    ]);
  });

  test('GIVEN flags a tool does not accept WHEN checked THEN each flag, the invocation and the runbook are named', () => {
    const text = [
      'npm run cache-flush -- --host 127.0.0.1 --prefix search: --force',
      'scripts/rollback.sh --context prod-eu --namespace search-prod --dry-run   # then --yes',
      'scripts/rollback.sh --context prod-eu --namespace search-prod --all-namespaces | tee out.log --not-ours',
      '`npm run index-rebuild -- --context c --namespace n` then `kubectl create job x --from=cronjob/y`',
      'npx tsx scripts/set-image-tag.ts prod 1.7.2 --force && npm run synth',
    ].join('\n');
    expect(flagProblems(bad(text), repo)).toEqual([
      expect.stringMatching(/^runbooks\/bad-runbook\.md:3 passes --force to npm run cache-flush, but scripts\/cache-flush\.ts --help lists only --host, /),
      expect.stringMatching(/^runbooks\/bad-runbook\.md:5 passes --all-namespaces to scripts\/rollback\.sh, but scripts\/rollback\.sh --help lists only --context, /),
      'runbooks/bad-runbook.md:7 passes --force to scripts/set-image-tag.ts, but scripts/set-image-tag.ts --help lists no flags',
    ]);
  });

  test('GIVEN a runbook naming an alert that does not exist WHEN checked THEN the runbook and the name are given', () => {
    const text = 'If SearchCacheDown fires, and SearchBackupStale or SearchReplicaLagTooOld too, see Watchdog.';
    expect(alertNameProblems(bad(text), ALERT_NAMES)).toEqual([
      'runbooks/bad-runbook.md:3 names alert SearchBackupStale, which is not in ALERTS (monitoring/conventions.ts)',
      'runbooks/bad-runbook.md:3 names alert SearchReplicaLagTooOld, which is not in ALERTS (monitoring/conventions.ts)',
    ]);
  });

  test('GIVEN an index that does not link a runbook WHEN checked THEN the runbook is named', () => {
    const index = '| SearchCacheDown | [SearchCacheDown.md](SearchCacheDown.md) |\n| flush the cache | flush-cache.md |\n';
    expect(indexProblems(index, ['SearchCacheDown.md', 'flush-cache.md'])).toEqual([
      'runbooks/README.md does not link runbooks/flush-cache.md: add [flush-cache.md](flush-cache.md)',
    ]);
  });
});
