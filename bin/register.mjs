// Loaded with `node --import`: TypeScript via tsx, plus `?raw` text imports for WGSL shaders.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./raw-loader-hooks.mjs', import.meta.url);
registerTsx();
