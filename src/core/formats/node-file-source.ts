// Node-only ByteSource over a file path: positional reads, the file is never loaded whole.
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ByteSource } from './byte-source.ts';

export async function fileSource(path: string): Promise<ByteSource> {
  const { size } = await stat(path);
  const name = basename(path);
  return {
    name,
    size,
    async read(offset, length) {
      const fh = await open(path, 'r');
      try {
        const buf = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === length ? buf : buf.subarray(0, done);
      } finally {
        await fh.close();
      }
    },
  };
}

/** A model given as a folder or as a single file (plus its siblings, e.g. llama2.c's tokenizer .bin). */
export async function pathSources(path: string): Promise<ByteSource[]> {
  const st = await stat(path);
  if (st.isDirectory()) {
    const names = (await readdir(path)).sort();
    const out: ByteSource[] = [];
    for (const n of names) {
      const p = join(path, n);
      if ((await stat(p)).isFile()) out.push(await fileSource(p));
    }
    return out;
  }
  const sources = [await fileSource(path)];
  // A llama2.c checkpoint is useless without its tokenizer, which lives beside it under a conventional name;
  // loadModel picks the one whose token count matches the checkpoint.
  if (path.toLowerCase().endsWith('.bin')) {
    const dir = dirname(path);
    for (const n of (await readdir(dir)).sort()) {
      const p = join(dir, n);
      if (p === join(dir, basename(path)) || !isLlama2cTokenizerName(n)) continue;
      if ((await stat(p)).isFile()) sources.push(await fileSource(p));
    }
  }
  return sources;
}

/** tokenizer.bin, tok512.bin, tok4096.bin ... (llama2.c's names). */
export function isLlama2cTokenizerName(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'tokenizer.bin' || (n.startsWith('tok') && n.endsWith('.bin'));
}
