#!/usr/bin/env node
// The `prunelab` CLI: runs the TypeScript sources directly (tsx + a ?raw loader for WGSL), no build step.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./raw-loader-hooks.mjs', import.meta.url);
registerTsx();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
