// Where an export goes: a folder of files, each written front to back as a stream of chunks, so a model is
// never held whole in memory. The CLI writes real files (node-folder-target.ts); the browser will stream into a
// File System Access directory or a zip; tests collect the chunks in memory.

/** One output file, written in order. write() resolves when the chunk may be reused or dropped. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** A folder: creates (or truncates) a file by name. */
export interface ExportTarget {
  create(name: string): Promise<ByteSink>;
}

/** Writes one small file (config, report, script) in one chunk. */
export async function writeWholeFile(target: ExportTarget, name: string, data: Uint8Array | string): Promise<number> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const sink = await target.create(name);
  await sink.write(bytes);
  await sink.close();
  return bytes.byteLength;
}

/** A sink that counts the bytes it passes on (file sizes for the report). */
export function countingSink(inner: ByteSink): ByteSink & { readonly bytes: number } {
  let bytes = 0;
  return {
    get bytes() { return bytes; },
    async write(chunk) { bytes += chunk.byteLength; await inner.write(chunk); },
    close: () => inner.close(),
  };
}

/** In-memory folder (tests; small models in the browser before zipping). Chunks are copied: callers may reuse theirs. */
export class MemoryTarget implements ExportTarget {
  readonly files = new Map<string, Uint8Array[]>();

  async create(name: string): Promise<ByteSink> {
    const chunks: Uint8Array[] = [];
    this.files.set(name, chunks);
    return { write: async (c) => { chunks.push(c.slice()); }, close: async () => {} };
  }

  /** The whole file, concatenated. */
  bytes(name: string): Uint8Array {
    const chunks = this.files.get(name);
    if (!chunks) throw new Error(`no file ${name} was written`);
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.byteLength; }
    return out;
  }

  text(name: string): string { return new TextDecoder().decode(this.bytes(name)); }
}
