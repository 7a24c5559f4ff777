// Removes the run's temporary folder (global-setup.js); SEARCH_OPS_KEEP_TMP=1 keeps it for a post-mortem.
const { rmSync } = require('node:fs');

module.exports = async () => {
  const root = globalThis.__SEARCH_OPS_TMP__;
  if (root === undefined) return;
  if (process.env.SEARCH_OPS_KEEP_TMP === '1') {
    console.log(`temporary files of this run kept in ${root}`);
    return;
  }
  rmSync(root, { recursive: true, force: true });
};
