// One temporary folder per jest run, as TMPDIR for the workers and every server
// they start: os.tmpdir() reads it, so no test leaves folders behind in /tmp.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  // Short: Unix socket paths under it must stay below 108 bytes.
  const root = mkdtempSync(join(tmpdir(), 'so-jest-'));
  globalThis.__SEARCH_OPS_TMP__ = root;
  process.env.TMPDIR = root;
};
