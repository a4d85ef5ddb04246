// The CLI's matmul tuning store: one JSON file of adapter+shapes -> choice, so a real GPU is timed once, not on
// every command. $PRUNELAB_CACHE_DIR, else $XDG_CACHE_HOME/prunelab, else ~/.cache/prunelab. A missing, unreadable
// or corrupt file is an empty cache; a write that fails is skipped (the next command times again).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MatmulTuning, TuningStore } from '../core/kernels/matmul-tuning.ts';

export function tuningCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PRUNELAB_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'prunelab');
  return join(dir, 'matmul-tuning.json');
}

export function fileTuningStore(file = tuningCacheFile()): TuningStore {
  const readAll = async (): Promise<Record<string, unknown>> => {
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => (await readAll())[key],
    async set(key: string, tuning: MatmulTuning) {
      const all = { ...(await readAll()), [key]: tuning };
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;   // whole-file replace: a concurrent reader never sees half a file
      await writeFile(tmp, `${JSON.stringify(all, null, 1)}\n`);
      await rename(tmp, file);
    },
  };
}
