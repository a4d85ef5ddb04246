// Corrupted variants of the stories260K HF folder, built in memory from the fixture, one per failure mode
// the loader must name. Shared by the CLI tests and the e2e tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORIES_HF } from './fixtures.ts';

export interface CorruptCase {
  name: string;
  files: Record<string, Uint8Array>;
  /** The error code and a pattern its message must match. */
  code: string;
  message: RegExp;
}

const enc = new TextEncoder();

function splitSafetensors(bytes: Uint8Array) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { header, data: bytes.subarray(8 + n) };
}

function joinSafetensors(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const h = enc.encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

export function corruptCases(): CorruptCase[] {
  const config = readFileSync(join(STORIES_HF, 'config.json'));
  const st = new Uint8Array(readFileSync(join(STORIES_HF, 'model.safetensors')));
  const tokenizer = readFileSync(join(STORIES_HF, 'tokenizer.json'));
  const tokConfig = readFileSync(join(STORIES_HF, 'tokenizer_config.json'));
  const base = { 'tokenizer.json': new Uint8Array(tokenizer), 'tokenizer_config.json': new Uint8Array(tokConfig) };
  const withSt = (bytes: Uint8Array, cfg: Uint8Array = new Uint8Array(config)) =>
    ({ ...base, 'config.json': cfg, 'model.safetensors': bytes });
  const { header, data } = splitSafetensors(st);
  const edit = (fn: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void) => {
    const h = structuredClone(header);
    fn(h);
    return joinSafetensors(h, data);
  };
  const cfg = JSON.parse(new TextDecoder().decode(config));
  const headerLenPastEnd = st.slice(0, 64);
  new DataView(headerLenPastEnd.buffer).setBigUint64(0, 10_000_000n, true);
  const emb = 'model.embed_tokens.weight';
  const q0 = 'model.layers.0.self_attn.q_proj.weight';

  return [
    { name: 'truncated file', files: withSt(st.slice(0, st.length - 1000)), code: 'BadModelFile', message: /model\.safetensors/ },
    { name: 'header length past the end', files: withSt(headerLenPastEnd), code: 'BadModelFile', message: /model\.safetensors.*header/i },
    { name: 'non-JSON header', files: withSt(joinSafetensors(null, data, '{"oops": [1, 2')), code: 'BadModelFile', message: /model\.safetensors.*JSON/i },
    { name: 'offsets past the end', files: withSt(edit((h) => { h[emb].data_offsets = [data.length - 10, data.length + 131062]; })), code: 'BadModelFile', message: /model\.safetensors/ },
    { name: 'overlapping offsets', files: withSt(edit((h) => { h[q0].data_offsets = [0, 16384]; })), code: 'BadModelFile', message: /overlap/i },
    { name: 'unknown dtype', files: withSt(edit((h) => { h[emb].dtype = 'F8_E9M0'; })), code: 'BadModelFile', message: /F8_E9M0/ },
    { name: 'shape/size mismatch', files: withSt(edit((h) => { h[emb].shape = [512, 65]; })), code: 'BadModelFile', message: /embed_tokens/ },
    { name: 'unknown model_type', files: withSt(st, enc.encode(JSON.stringify({ ...cfg, model_type: 'mamba' }))), code: 'UnsupportedArchitecture', message: /mamba/ },
    { name: 'missing config keys', files: withSt(st, enc.encode(JSON.stringify({ ...cfg, hidden_size: undefined }))), code: 'BadModelFile', message: /hidden_size/ },
    { name: 'config not JSON', files: withSt(st, enc.encode('{ "model_type": "llama", ')), code: 'BadModelFile', message: /config\.json/ },
  ];
}
