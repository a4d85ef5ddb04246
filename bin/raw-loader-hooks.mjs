// Node module hooks: make `import text from './x.wgsl?raw'` work outside Vite (CLI, bench), the same way Vite does.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('?raw')) {
    const resolved = await next(specifier.slice(0, -4), context);
    return { ...resolved, url: resolved.url + '?raw', format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -4)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
