// Gathers kept rows / columns of a row-major [rows, cols] tensor held as raw bytes (any element width), the
// host-side twin of kernels/gather.ts for compacted exports. Bit-exact: elements are copied, never converted.

/** out [idx.length, cols] = in[idx[i], :]. */
export function gatherRowBytes(bytes: Uint8Array, rows: number, idx: ArrayLike<number>): Uint8Array {
  const rowBytes = bytes.byteLength / rows;
  const out = new Uint8Array(idx.length * rowBytes);
  for (let i = 0; i < idx.length; i++) out.set(bytes.subarray(idx[i] * rowBytes, (idx[i] + 1) * rowBytes), i * rowBytes);
  return out;
}

/** out [rows, idx.length] = in[:, idx[j]] for a [rows, cols] tensor of elemBytes-wide values. */
export function gatherColumnBytes(bytes: Uint8Array, rows: number, cols: number, elemBytes: number, idx: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(rows * idx.length * elemBytes);
  if ((elemBytes === 4 || elemBytes === 2) && bytes.byteOffset % elemBytes === 0) {
    // Whole elements at a time (the common case: a fresh, aligned buffer).
    const view = (b: Uint8Array, n: number) => (elemBytes === 4 ? new Uint32Array(b.buffer, b.byteOffset, n) : new Uint16Array(b.buffer, b.byteOffset, n));
    const src = view(bytes, rows * cols), dst = view(out, rows * idx.length);
    for (let i = 0; i < rows; i++) for (let j = 0; j < idx.length; j++) dst[i * idx.length + j] = src[i * cols + idx[j]];
    return out;
  }
  for (let i = 0; i < rows; i++) {
    const src = i * cols * elemBytes, dst = i * idx.length * elemBytes;
    for (let j = 0; j < idx.length; j++) {
      const at = src + idx[j] * elemBytes;
      out.set(bytes.subarray(at, at + elemBytes), dst + j * elemBytes);
    }
  }
  return out;
}
