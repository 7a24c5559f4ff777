/** What the TypeScript operations tools share about talking to the operator. */

/** A refusal that changed nothing: the tools exit 2 with its message. */
export class UsageError extends Error {}

/**
 * Asks before a change; `--yes` skips the question, and without a terminal
 * (CI, a pipe) and without `--yes` the tool refuses rather than guess.
 */
export async function confirm(question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new UsageError('stdin is not a terminal and --yes was not given; refusing to act without confirmation');
  process.stdout.write(`${question} [y/N] `);
  const answer = await new Promise<string>((resolve) => process.stdin.once('data', (chunk) => resolve(String(chunk).trim())));
  process.stdin.pause();
  if (!/^y(es)?$/i.test(answer)) throw new UsageError('not confirmed; nothing changed');
}
