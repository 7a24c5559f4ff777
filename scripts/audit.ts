/**
 * The audit log of operations tools (scripts/audit-log.md), for tools written in
 * TypeScript: one JSON line per run, appended with a single write. The shell
 * reference is the writer in scripts/rollback.sh.
 *
 *   const path = auditLogPath(flags.auditLog);   // --audit-log, else $SEARCH_OPS_AUDIT_LOG, else ~/.search-ops/audit.log
 *   checkAuditLogWritable(path);                  // before touching anything; refuse (exit 2) on a throw
 *   ...
 *   appendAudit(path, { tool: 'my-tool', action: 'my-action', target: {...}, dry_run: false, result: 'success' });
 */
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** The outcomes documented in scripts/audit-log.md, plus `interrupted` (stopped by a signal, partly done). */
export type AuditResult = 'success' | 'failed' | 'dry-run' | 'interrupted';

/** What a tool records; `time` and `actor` are added by {@link appendAudit}, in front. */
export interface AuditRecord {
  readonly tool: string;
  readonly action: string;
  /** What the tool acted on: its keys are the tool's own (`context`, `namespace`, ... or `host`, `port`, ...). */
  readonly target: Readonly<Record<string, string | number | boolean>>;
  readonly dry_run: boolean;
  readonly result: AuditResult;
  /** Tool-specific fields (`from_revision`, `keys_removed`, ...), written after `result` in this order. */
  readonly [field: string]: unknown;
}

export interface AppendAuditOptions {
  /** @defaultValue the current time */
  readonly now?: Date;
  /** @defaultValue {@link auditActor} */
  readonly actor?: string;
}

/**
 * The log a run writes when `--audit-log` is not given: `$SEARCH_OPS_AUDIT_LOG`
 * when set and non-empty, else `~/.search-ops/audit.log` (what a tool's --help shows as the default).
 */
export function defaultAuditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SEARCH_OPS_AUDIT_LOG;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.search-ops', 'audit.log');
}

/** The log a run writes: the `--audit-log` flag's value when given, else {@link defaultAuditLogPath}. */
export function auditLogPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? defaultAuditLogPath(env);
}

/** `$SEARCH_OPS_ACTOR` when set and non-empty (CI sets it), else `user@host`. */
export function auditActor(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SEARCH_OPS_ACTOR;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : `${userInfo().username}@${hostname()}`;
}

/** RFC 3339 in UTC, whole seconds: `2025-03-14T02:51:07Z`. */
export function auditTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Creates the log's folder and opens the log for appending, as `mkdir -p` and
 * `touch` do; throws (with the path and the reason) when it cannot. Call it
 * before acting: there is no unaudited change.
 */
export function checkAuditLogWritable(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, 'a'));
  } catch (error) {
    throw new Error(`cannot write the audit log ${path}: ${(error as Error).message}; pass --audit-log FILE`);
  }
}

/** One line of the log: `time`, `actor`, then the record's fields in their order. */
export function auditLine(record: AuditRecord, options: AppendAuditOptions = {}): string {
  const line = { time: auditTime(options.now ?? new Date()), actor: options.actor ?? auditActor(), ...record };
  // JSON.stringify escapes quotes, backslashes, control characters and lone surrogates: always one valid line.
  return `${JSON.stringify(line)}\n`;
}

/** Appends one line with a single write (O_APPEND), so concurrent tools never interleave within a line. */
export function appendAudit(path: string, record: AuditRecord, options: AppendAuditOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, auditLine(record, options), { encoding: 'utf8' });
}
