import { execFileSync } from 'node:child_process';

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a real tool; returns its exit code and everything it printed. */
export function run(program: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ToolResult {
  try {
    const output = execFileSync(program, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, output };
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    return { code: failed.status ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
