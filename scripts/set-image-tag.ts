/**
 * Sets the image tag of one environment in constructs/releases.json: the GitOps
 * bump the delivery pipeline makes. Run `npm run synth` afterwards and commit both.
 *
 *   npx tsx scripts/set-image-tag.ts <environment> <tag>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RELEASES_FILE = join(__dirname, '..', 'constructs', 'releases.json');
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function setImageTag(releasesFile: string, environment: string, tag: string): string {
  const releases = JSON.parse(readFileSync(releasesFile, 'utf8')) as Record<string, { imageTag: string }>;
  if (!(environment in releases)) throw new Error(`environment '${environment}' is not in ${releasesFile}; known: ${Object.keys(releases).join(', ')}`);
  if (!TAG.test(tag) || tag === 'latest') throw new Error(`tag '${tag}' must be a pinned image tag matching ${TAG}, not 'latest'`);
  const previous = releases[environment].imageTag;
  releases[environment] = { ...releases[environment], imageTag: tag };
  writeFileSync(releasesFile, `${JSON.stringify(releases, null, 2)}\n`);
  return previous;
}

if (require.main === module) {
  const [environment, tag] = process.argv.slice(2);
  if (environment === undefined || tag === undefined || environment === '--help') {
    process.stdout.write('usage: npx tsx scripts/set-image-tag.ts <environment> <tag>\n');
    process.exit(environment === '--help' ? 0 : 2);
  }
  try {
    const previous = setImageTag(RELEASES_FILE, environment, tag);
    process.stdout.write(`${environment}: image tag ${previous} -> ${tag}; now run npm run synth and commit constructs/releases.json and dist/\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}
