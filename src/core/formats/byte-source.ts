// Lazy random access to a file's bytes: models are read by byte range, never as one ArrayBuffer.

export interface ByteSource {
  /** File name as the user knows it (for error messages). */
  readonly name: string;
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; callers validate the range against `size` first. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A browser File/Blob (File.slice reads only the requested range). */
export function blobSource(blob: Blob, name: string = (blob as File).name ?? 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** In-memory bytes (tests, generated models). */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    async read(offset, length) {
      return bytes.subarray(offset, offset + length);
    },
  };
}

export async function readText(src: ByteSource): Promise<string> {
  return new TextDecoder().decode(await src.read(0, src.size));
}
