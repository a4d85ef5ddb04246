// Node-only export target: files in a local folder, written with positional writes (one chunk in flight).
import { mkdir, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequest } from '../errors.ts';
import type { ByteSink, ExportTarget } from './byte-sink.ts';

/**
 * Creates `dir` (with parents) or checks that it is an empty folder; a non-empty folder is refused unless
 * `force` (then files of the same names are overwritten, other files stay).
 */
export async function prepareOutputFolder(dir: string, force: boolean): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (st && !st.isDirectory()) throw new BadRequest(`--out ${dir} exists and is not a folder`);
  if (st) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !force) {
      throw new BadRequest(`--out ${dir} is not empty (${entries.length} entries: ${entries.slice(0, 3).join(', ')}` +
        `${entries.length > 3 ? ', ...' : ''}); choose an empty folder or pass --force to overwrite`);
    }
    return;
  }
  await mkdir(dir, { recursive: true });
}

export function nodeFolderTarget(dir: string): ExportTarget {
  return {
    async create(name: string): Promise<ByteSink> {
      const fh = await open(join(dir, name), 'w');
      let position = 0;
      return {
        async write(chunk) {
          let done = 0;
          while (done < chunk.byteLength) {
            const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done, position + done);
            done += bytesWritten;
          }
          position += done;
        },
        close: () => fh.close(),
      };
    },
  };
}
