// Paths into the fixtures folder ($PRUNELAB_FIXTURES, default ../shared/fixtures; read in place, never copied into
// the repo; scripts/fetch-fixtures.sh fetches and checks them).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = resolve(repoRoot, process.env.PRUNELAB_FIXTURES ?? '../shared/fixtures');
export const fixture = (...parts: string[]) => resolve(fixturesDir, ...parts);

export const STORIES_HF = fixture('models/stories260K');
export const STORIES_LLAMA2C = fixture('models/stories260K-llama2c/stories260K.bin');
export const STORIES_LLAMA2C_V1 = fixture('models/stories260K-llama2c/stories260K.v1.bin');
export const STORIES_GGUF = fixture('models/stories260K-llama2c/stories260K.gguf');
export const TINYSTORIES_TEXT = fixture('text/tinystories/validation-prefix.txt');
export const WIKITEXT_TEST = fixture('text/wikitext-2-raw/wiki.test.raw');

/** The fixture README's known greedy output of stories260K (200 steps from BOS), read from the README itself. */
export function goldenGreedyText(): string {
  const readme = readFileSync(fixture('README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Known answers'));
  const m = /```\n([\s\S]*?)\n```/.exec(section);
  if (!m) throw new Error('golden text block not found in the fixtures README');
  return m[1];
}
