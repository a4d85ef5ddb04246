// A forward-only reader over a ByteSource that fetches the file in chunks (headers with a 150k-token
// vocabulary are MBs; the weights after them are never touched). Every read is bounds-checked against the
// file size, so a corrupt length can only produce a BadModelFile, never a huge allocation or a hang.
import { BadModelFile } from '../errors.ts';
import type { ByteSource } from './byte-source.ts';

const CHUNK = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteCursor {
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buf.buffer);
  private bufStart = 0;

  constructor(readonly source: ByteSource, public pos = 0) {}

  get remaining(): number {
    return this.source.size - this.pos;
  }

  fail(problem: string, at = this.pos): never {
    throw new BadModelFile(this.source.name, problem, at);
  }

  /** Makes the next `n` bytes available to the synchronous getters below. */
  async ensure(n: number, what = 'data'): Promise<void> {
    if (n > this.remaining) this.fail(`truncated: ${what} needs ${n} bytes but the file ends ${this.remaining} bytes later`);
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(n, CHUNK), this.remaining);
    const bytes = await this.source.read(this.pos, len);
    if (bytes.length < n) this.fail(`file ended early while reading ${what}`);
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.bufStart = this.pos;
  }

  private at(n: number): number {
    const off = this.pos - this.bufStart;
    this.pos += n;
    return off;
  }

  u8(): number { return this.view.getUint8(this.at(1)); }
  i8(): number { return this.view.getInt8(this.at(1)); }
  u16(): number { return this.view.getUint16(this.at(2), true); }
  i16(): number { return this.view.getInt16(this.at(2), true); }
  u32(): number { return this.view.getUint32(this.at(4), true); }
  i32(): number { return this.view.getInt32(this.at(4), true); }
  f32(): number { return this.view.getFloat32(this.at(4), true); }
  f64(): number { return this.view.getFloat64(this.at(8), true); }
  /** u64 as a number when it is a safe integer, else a bigint (callers that need a count reject bigints). */
  u64(): number | bigint { const v = this.view.getBigUint64(this.at(8), true); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
  i64(): number | bigint { const v = this.view.getBigInt64(this.at(8), true); return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }

  /** A u64 used as a length/count/offset: must be a safe integer no larger than `max`. */
  async size(what: string, max: number): Promise<number> {
    await this.ensure(8, what);
    const start = this.pos;
    const v = this.u64();
    if (typeof v === 'bigint' || v > max) this.fail(`${what} ${v} is out of range (at most ${max} here; truncated or corrupt file?)`, start);
    return v as number;
  }

  /** u64 length + UTF-8 bytes, length bounded by the rest of the file. */
  async string(what = 'string'): Promise<string> {
    const start = this.pos;
    const len = await this.size(`${what} length`, this.remaining - 8);
    await this.ensure(len, what);
    const off = this.at(len);
    try {
      return utf8.decode(this.buf.subarray(off, off + len));
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }
}
