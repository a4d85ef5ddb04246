// One zip archive as an export folder: every file the exporter creates becomes an entry, in order, and the
// archive's bytes go to `out` as fflate produces them (nothing is buffered here beyond the chunk in hand).
// Entries are stored, not deflated: trained float weights barely compress, and storing keeps the worker's CPU
// on the export. fflate writes classic zip (no Zip64), so every offset must stay below 4 GiB: larger exports
// fail with a clear error before the limit is crossed (stream them to a folder instead).
import { Zip, ZipPassThrough } from 'fflate';
import { BadRequest, formatBytes } from '../errors.ts';
import type { ByteSink, ExportTarget } from './byte-sink.ts';

/** Largest archive classic zip can address (32-bit sizes and offsets). */
export const ZIP_LIMIT_BYTES = 0xffffffff;

/** Bytes fflate adds per entry at most: local header + data descriptor + central directory record (name twice). */
export const zipEntryOverhead = (name: string) => 30 + 16 + 46 + 2 * new TextEncoder().encode(name).byteLength;

export interface ZipTarget extends ExportTarget {
  /** Writes the central directory and closes `out`; call once after the last file is closed. */
  finish(): Promise<void>;
  /** Archive bytes written to `out` so far. */
  readonly bytes: number;
}

export function zipTarget(out: ByteSink, opts: { mtime?: Date; limitBytes?: number } = {}): ZipTarget {
  const limit = opts.limitBytes ?? ZIP_LIMIT_BYTES; // smaller in tests
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  let ended = false;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else pending.push(chunk);
  });
  let bytes = 0;
  let open: string | null = null;

  /** Hands what fflate emitted to `out`, in order (fflate emits synchronously inside push/end). */
  async function drain(): Promise<void> {
    if (failure) throw failure;
    while (pending.length > 0) {
      const chunk = pending.shift()!;
      bytes += chunk.byteLength;
      await out.write(chunk);
    }
  }

  function tooLarge(name: string, adding: number): BadRequest {
    return new BadRequest(`the zip would exceed ${formatBytes(limit)} (classic zip's limit) while writing ${name} ` +
      `(${formatBytes(bytes + adding)} so far): export to a folder instead`);
  }

  return {
    get bytes() { return bytes; },
    async create(name: string): Promise<ByteSink> {
      if (ended) throw new BadRequest(`zip: cannot add ${name} after the archive was finished`);
      if (open) throw new BadRequest(`zip: ${open} is still open; files are written one after the other`);
      open = name;
      const entry = new ZipPassThrough(name);
      if (opts.mtime) entry.mtime = opts.mtime;
      zip.add(entry);
      let entryBytes = 0;
      return {
        async write(chunk) {
          if (open !== name) throw new BadRequest(`zip: write to ${name} after it was closed`);
          if (chunk.byteLength === 0) return;
          entryBytes += chunk.byteLength;
          // The central directory still has to fit after this entry.
          if (bytes + chunk.byteLength + zipEntryOverhead(name) > limit || entryBytes > limit) {
            throw tooLarge(name, chunk.byteLength);
          }
          entry.push(chunk);
          await drain();
        },
        async close() {
          if (open !== name) return;
          entry.push(new Uint8Array(0), true);
          open = null;
          await drain();
        },
      };
    },
    async finish() {
      if (open) throw new BadRequest(`zip: ${open} is still open`);
      if (ended) return;
      ended = true;
      zip.end();
      await drain();
      if (bytes > limit) throw tooLarge('the central directory', 0);
      await out.close();
    },
  };
}
