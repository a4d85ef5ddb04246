// Paths to the shared read-only fixtures (../shared/fixtures from the repo root; never copied into the repo).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');
export const STORIES_HF = resolve(FIXTURES, 'models/stories260K');
export const STORIES_L2C = resolve(FIXTURES, 'models/stories260K-llama2c');
export const TINYSTORIES_TEXT = resolve(FIXTURES, 'text/tinystories/validation-prefix.txt');
