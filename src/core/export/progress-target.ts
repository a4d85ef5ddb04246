// Wraps an export folder to report byte progress and to stop on cancel. The size of model.safetensors (nearly
// all of an export) is read from its header, the first chunk the exporter writes, so the fraction is exact from
// the first tensor on; the small files after it (config, tokenizer, report) are counted as they come.
import { Cancelled } from '../errors.ts';
import type { ByteSink, ExportTarget } from './byte-sink.ts';

export interface ExportProgress {
  /** The file being written. */
  file: string;
  /** Bytes written to every file so far. */
  bytes: number;
  /** Expected bytes of the whole export (model.safetensors' size plus what else was written); null until known. */
  totalBytes: number | null;
}

const WEIGHTS_FILE = 'model.safetensors';

/** Size of a safetensors file from its first bytes (8-byte little-endian header length, JSON header); null if short. */
export function safetensorsSizeFromHead(head: Uint8Array): number | null {
  if (head.byteLength < 8) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (head.byteLength < 8 + n) return null;
  const header = JSON.parse(new TextDecoder().decode(head.subarray(8, 8 + n))) as Record<string, { data_offsets?: [number, number] }>;
  let end = 0;
  for (const [key, t] of Object.entries(header)) if (key !== '__metadata__' && t.data_offsets) end = Math.max(end, t.data_offsets[1]);
  return 8 + n + end;
}

export function progressTarget(inner: ExportTarget, signal: AbortSignal | undefined, onProgress: (p: ExportProgress) => void): ExportTarget {
  let bytes = 0;
  let weightsBytes: number | null = null;
  let otherBytes = 0; // bytes of files other than the weights, written so far
  const check = (what: string) => { if (signal?.aborted) throw new Cancelled(`export (while writing ${what})`); };

  return {
    async create(name) {
      check(name);
      const sink = await inner.create(name);
      const weights = name === WEIGHTS_FILE;
      let first = true;
      const wrapped: ByteSink = {
        async write(chunk) {
          check(name);
          if (weights && first) weightsBytes = safetensorsSizeFromHead(chunk);
          first = false;
          await sink.write(chunk);
          bytes += chunk.byteLength;
          if (!weights) otherBytes += chunk.byteLength;
          onProgress({ file: name, bytes, totalBytes: weightsBytes === null ? null : weightsBytes + otherBytes });
        },
        close: () => sink.close(),
      };
      return wrapped;
    },
  };
}
