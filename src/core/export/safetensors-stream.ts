// Streams a safetensors file to a sink: the header first (every tensor's dtype and shape is known up front, so
// its offsets are too), then each tensor's bytes in header order, in as many chunks as the caller likes.
// The writer checks that every tensor gets exactly its byte count, in order, so a bug cannot silently shift
// the data section.
import { BadRequest } from '../errors.ts';
import { safetensorsHeaderBytes, type SafetensorsDtype } from '../formats/safetensors.ts';
import type { ByteSink } from './byte-sink.ts';
import { fuseTensorList, transposeStacked, type FusedTensor } from '../model/fused-tensors.ts';

export interface PlannedTensor { name: string; dtype: SafetensorsDtype; shape: number[] }

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export function tensorBytes(t: PlannedTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
}

export class SafetensorsStreamWriter {
  private next = 0;        // index of the tensor being written
  private written = 0;     // bytes of it written so far
  private started = false;
  readonly headerBytes: number;
  /** Size of the whole file: 8-byte prefix + header + data section. */
  readonly fileBytes: number;
  private readonly header: Uint8Array;
  /** Parts of transposed fused tensors (GPT-2's Conv1D), by name: their run, and the bytes held until it is complete. */
  private readonly transposedRuns = new Map<string, FusedTensor>();
  private held: Uint8Array[] = [];

  /** `tensors` are written one by one in this order; `fused` names runs of them that the header lists as one
   * stacked tensor (Phi-3's qkv_proj: the same bytes, one entry). */
  constructor(private readonly sink: ByteSink, readonly tensors: PlannedTensor[], metadata: Record<string, string>,
    fused: readonly FusedTensor[] = []) {
    const { header, dataLength } = safetensorsHeaderBytes(fuseTensorList(tensors, fused), metadata);
    this.header = header;
    this.headerBytes = header.byteLength;
    this.fileBytes = header.byteLength + dataLength;
    for (const f of fused) if (f.transposed) for (const p of f.parts) this.transposedRuns.set(p, f);
  }

  /** Writes the header; call once before the first tensor. */
  async begin(): Promise<void> {
    if (this.started) throw new Error('safetensors writer: begin() called twice');
    this.started = true;
    await this.sink.write(this.header);
    this.skipEmpty();
  }

  /** Tensors with a zero dimension have no bytes: they are complete as soon as they are due. */
  private skipEmpty(): void {
    while (this.next < this.tensors.length && tensorBytes(this.tensors[this.next]) === 0) this.next++;
  }

  /** Appends `chunk` to tensor `name`, which must be the one due (tensors are written in header order). */
  async write(name: string, chunk: Uint8Array): Promise<void> {
    if (!this.started) throw new Error('safetensors writer: write() before begin()');
    const t = this.tensors[this.next];
    if (!t || t.name !== name) {
      throw new BadRequest(`safetensors writer: got bytes for ${name} but ${t ? `${t.name} is due` : 'every tensor is complete'}`);
    }
    const need = tensorBytes(t);
    if (this.written + chunk.byteLength > need) {
      throw new BadRequest(`safetensors writer: ${name} ${t.dtype}[${t.shape.join(', ')}] needs ${need} bytes, got ${this.written + chunk.byteLength}`);
    }
    const run = this.transposedRuns.get(name);
    if (run) this.held.push(chunk.slice()); // the caller may reuse its chunk
    else await this.sink.write(chunk);
    this.written += chunk.byteLength;
    if (this.written === need) {
      this.next++;
      this.written = 0;
      if (run && name === run.parts[run.parts.length - 1]) await this.writeTransposed(run);
      this.skipEmpty();
    }
  }

  /** A Conv1D run complete: its parts [N_i, K] (held in order) written as the stored [K, sum N_i]. */
  private async writeTransposed(run: FusedTensor): Promise<void> {
    const parts = run.parts.map((p) => this.tensors.find((t) => t.name === p)!);
    const bytes = new Uint8Array(this.held.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of this.held) { bytes.set(c, at); at += c.byteLength; }
    this.held = [];
    const out = transposeStacked(bytes, parts.map((t) => t.shape[0]), parts[0].shape[1] ?? 1, DTYPE_BYTES[parts[0].dtype]);
    await this.sink.write(out);
  }

  /** Checks that every tensor was written completely, then closes the sink. */
  async finish(): Promise<void> {
    if (this.next < this.tensors.length) {
      const t = this.tensors[this.next];
      throw new BadRequest(`safetensors writer: ${t.name} got ${this.written} of ${tensorBytes(t)} bytes before finish()`);
    }
    await this.sink.close();
  }
}
