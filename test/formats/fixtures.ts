// Paths to the read-only fixtures (test/helpers/fixtures.ts decides where they are).
import { resolve } from 'node:path';
import { fixturesDir } from '../helpers/fixtures.ts';

export const FIXTURES = fixturesDir;
export const STORIES_HF = resolve(FIXTURES, 'models/stories260K');
export const STORIES_L2C = resolve(FIXTURES, 'models/stories260K-llama2c');
export const TINYSTORIES_TEXT = resolve(FIXTURES, 'text/tinystories/validation-prefix.txt');
