// A byte sink that ends as one Blob (the zip the studio hands to the browser's download). Chunks are gathered
// into Blob parts of about `partBytes`: the browser moves each part into its blob store (on disk when large), so
// the worker's heap holds at most one part, never the whole archive next to the model.
import type { ByteSink } from './byte-sink.ts';

export const BLOB_PART_BYTES = 32 * 1024 * 1024;

export interface BlobSink extends ByteSink {
  /** The finished Blob; throws until close() was called. */
  blob(): Blob;
}

export function blobSink(type: string, partBytes = BLOB_PART_BYTES): BlobSink {
  const parts: Blob[] = [];
  let chunks: Uint8Array<ArrayBuffer>[] = [];
  let gathered = 0;
  let result: Blob | null = null;

  const seal = () => {
    if (chunks.length === 0) return;
    parts.push(new Blob(chunks));
    chunks = [];
    gathered = 0;
  };

  return {
    async write(chunk) {
      if (result) throw new Error('blob sink: write after close');
      chunks.push(chunk.slice()); // the caller may reuse its buffer once write() resolves
      gathered += chunk.byteLength;
      if (gathered >= partBytes) seal();
    },
    async close() {
      seal();
      result ??= new Blob(parts, { type });
    },
    blob() {
      if (!result) throw new Error('blob sink: blob() before close()');
      return result;
    },
  };
}
