/** A configuration problem: names the environment, the field, the value and the rule. */
export class ConfigError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(`invalid search-ops configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Renders a value the way it appeared in the configuration. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value);
}
