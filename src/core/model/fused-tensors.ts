// Hub tensors that are not the engine's canonical ones one to one:
// - Phi-3 stacks maps by rows: self_attn.qkv_proj = [q; k; v], mlp.gate_up_proj = [gate; up] (Phi3Attention slices
//   query_pos = heads * head_dim rows, then the kv rows; Phi3MLP chunks gate before up);
// - GPT-2 stores every linear map as a Conv1D, [in, out], and c_attn holds q, k, v side by side: [d, 3d];
// - GPT-2 and OPT name everything their own way (wte, h.0.ln_1, decoder.layers.0.fc1, ...): one-part entries.
// The loader turns them into canonical entries without copying (row ranges of the same bytes, or a transposed view);
// the exporters write the canonical maps in order and the writer merges each run back under its Hub name.
import { BadModelFile } from '../errors.ts';
import type { TensorEntry } from './loaded-model.ts';
import { expectedShapes, tensorNames, type ModelSpec } from './spec.ts';

/** A Hub tensor made of `parts` (canonical names), in order: stacked by rows, or (transposed) the transpose of the
 * row-stacked parts, [K, sum of rows] (GPT-2's Conv1D). A one-part entry is a rename. */
export interface FusedTensor { name: string; parts: string[]; transposed?: boolean }

/** GPT-2 / OPT name prefixes their checkpoints use (transformers loads both with and without the base model's). */
const HUB_PREFIXES: Record<string, string[]> = { gpt2: ['', 'transformer.'], opt: ['model.decoder.', 'decoder.'] };

export function fusedTensors(spec: ModelSpec): FusedTensor[] {
  if (spec.architecture === 'phi3') {
    return Array.from({ length: spec.numLayers }, (_, l) => {
      const n = tensorNames.layer(l);
      const p = `model.layers.${l}`;
      return [{ name: `${p}.self_attn.qkv_proj.weight`, parts: [n.q, n.k, n.v] }, { name: `${p}.mlp.gate_up_proj.weight`, parts: [n.gate, n.up] }];
    }).flat();
  }
  if (spec.architecture === 'gpt2') return gpt2Tensors(spec, spec.hubPrefix ?? '');
  if (spec.architecture === 'opt') return optTensors(spec, spec.hubPrefix ?? 'model.decoder.');
  return [];
}

const rename = (name: string, part: string): FusedTensor => ({ name, parts: [part] });
const conv1d = (name: string, parts: string[]): FusedTensor => ({ name, parts, transposed: true });

function gpt2Tensors(spec: ModelSpec, p: string): FusedTensor[] {
  const out = [rename(`${p}wte.weight`, tensorNames.embed), rename(`${p}wpe.weight`, tensorNames.positions),
    rename(`${p}ln_f.weight`, tensorNames.finalNorm), rename(`${p}ln_f.bias`, tensorNames.finalNormBias)];
  for (let l = 0; l < spec.numLayers; l++) {
    const n = tensorNames.layer(l), h = `${p}h.${l}`;
    out.push(rename(`${h}.ln_1.weight`, n.attnNorm), rename(`${h}.ln_1.bias`, n.attnNormBias),
      conv1d(`${h}.attn.c_attn.weight`, [n.q, n.k, n.v]), { name: `${h}.attn.c_attn.bias`, parts: [n.qBias, n.kBias, n.vBias] },
      conv1d(`${h}.attn.c_proj.weight`, [n.o]), rename(`${h}.attn.c_proj.bias`, n.oBias),
      rename(`${h}.ln_2.weight`, n.mlpNorm), rename(`${h}.ln_2.bias`, n.mlpNormBias),
      conv1d(`${h}.mlp.c_fc.weight`, [n.up]), rename(`${h}.mlp.c_fc.bias`, n.upBias),
      conv1d(`${h}.mlp.c_proj.weight`, [n.down]), rename(`${h}.mlp.c_proj.bias`, n.downBias));
  }
  return out;
}

function optTensors(spec: ModelSpec, p: string): FusedTensor[] {
  const out = [rename(`${p}embed_tokens.weight`, tensorNames.embed), rename(`${p}embed_positions.weight`, tensorNames.positions),
    rename(`${p}final_layer_norm.weight`, tensorNames.finalNorm), rename(`${p}final_layer_norm.bias`, tensorNames.finalNormBias)];
  for (let l = 0; l < spec.numLayers; l++) {
    const n = tensorNames.layer(l), h = `${p}layers.${l}`;
    out.push(rename(`${h}.self_attn_layer_norm.weight`, n.attnNorm), rename(`${h}.self_attn_layer_norm.bias`, n.attnNormBias),
      rename(`${h}.self_attn.q_proj.weight`, n.q), rename(`${h}.self_attn.k_proj.weight`, n.k), rename(`${h}.self_attn.v_proj.weight`, n.v),
      rename(`${h}.self_attn.out_proj.weight`, n.o),
      rename(`${h}.final_layer_norm.weight`, n.mlpNorm), rename(`${h}.final_layer_norm.bias`, n.mlpNormBias),
      rename(`${h}.fc1.weight`, n.up), rename(`${h}.fc2.weight`, n.down));
    if (spec.attentionBias) {
      out.push(rename(`${h}.self_attn.q_proj.bias`, n.qBias), rename(`${h}.self_attn.k_proj.bias`, n.kBias),
        rename(`${h}.self_attn.v_proj.bias`, n.vBias), rename(`${h}.self_attn.out_proj.bias`, n.oBias),
        rename(`${h}.fc1.bias`, n.upBias), rename(`${h}.fc2.bias`, n.downBias));
    }
  }
  return out;
}

/** Which of the architecture's name prefixes the checkpoint uses (its embedding names it); undefined: not one of them. */
function detectHubPrefix(spec: ModelSpec, all: Map<string, TensorEntry>): string | undefined {
  const embed = spec.architecture === 'gpt2' ? 'wte.weight' : 'embed_tokens.weight';
  return HUB_PREFIXES[spec.architecture]?.find((p) => all.has(`${p}${embed}`));
}

/** Layers 0..n-1 present under any architecture's layer naming (model.layers.N., h.N., decoder.layers.N.). */
function storedLayersPresent(names: Iterable<string>): number {
  const seen = new Set<number>();
  for (const name of names) {
    const m = /(?:^|\.)(?:layers|h)\.(\d+)\./.exec(name);
    if (m) seen.add(Number(m[1]));
  }
  let n = 0;
  while (seen.has(n)) n++;
  return n;
}

/** Replaces every fused / renamed entry of `all` by its canonical parts (row ranges, or transposed column views).
 *  Sets spec.hubPrefix for architectures whose checkpoints come with or without a prefix. */
export function splitFusedEntries(spec: ModelSpec, all: Map<string, TensorEntry>, file: string): void {
  if (HUB_PREFIXES[spec.architecture]) {
    const prefix = detectHubPrefix(spec, all);
    if (prefix === undefined) {
      const want = HUB_PREFIXES[spec.architecture].map((p) => `"${p}${spec.architecture === 'gpt2' ? 'wte' : 'embed_tokens'}.weight"`).join(' or ');
      throw new BadModelFile(file, `missing tensor ${want}: not a ${spec.architecture} checkpoint in the Hub layout`);
    }
    spec.hubPrefix = prefix;
  }
  // Up to the first layer the file lacks, which fails below: a config claiming 1e6 layers builds nothing for them.
  const upTo = Math.min(spec.numLayers, storedLayersPresent(all.keys()) + 1);
  const view = upTo < spec.numLayers ? { ...spec, numLayers: upTo } : spec;
  const fused = fusedTensors(view);
  if (!fused.length) return;
  const shapes = expectedShapes(view);
  for (const f of fused) {
    const partShapes = f.parts.map((p) => shapes.get(p)!);
    const rows = partShapes.reduce((s, sh) => s + sh[0], 0), cols = partShapes[0][1];
    const stored = f.transposed ? [cols, rows] : cols === undefined ? [rows] : [rows, cols];
    const e = all.get(f.name);
    const what = f.parts.length > 1 ? `: ${f.parts.length} maps ${f.transposed ? 'side by side' : 'stacked'}` : '';
    if (!e) throw new BadModelFile(file, `missing tensor "${f.name}" (expected shape [${stored.join(', ')}]${what})`);
    if (e.shape.length !== stored.length || e.shape.some((s, i) => s !== stored[i])) {
      throw new BadModelFile(e.source.name, `tensor "${f.name}" has shape [${e.shape.join(', ')}], expected [${stored.join(', ')}] from the model config${what}`, e.byteOffset);
    }
    all.delete(f.name);
    if (f.transposed) {
      let colStart = 0;
      f.parts.forEach((name, i) => {
        all.set(name, { ...e, name, shape: partShapes[i], transform: { kind: 'transposed-columns', storedCols: rows, colStart } });
        colStart += partShapes[i][0];
      });
      continue;
    }
    const rowBytes = e.byteLength / rows;
    let at = e.byteOffset;
    f.parts.forEach((name, i) => {
      const shape = partShapes[i];
      all.set(name, { name, dtype: e.dtype, shape, source: e.source, byteOffset: at, byteLength: shape[0] * rowBytes });
      at += shape[0] * rowBytes;
    });
  }
}

/** The header's tensor list: each run of a fused tensor's parts (consecutive, one dtype) merged into it. */
export function fuseTensorList<T extends { name: string; dtype: string; shape: number[] }>(list: readonly T[], fused: readonly FusedTensor[]): T[] {
  if (!fused.length) return [...list];
  const byFirst = new Map(fused.map((f) => [f.parts[0], f]));
  const out: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const f = byFirst.get(list[i].name);
    if (!f) { out.push(list[i]); continue; }
    const run = list.slice(i, i + f.parts.length);
    if (run.some((t, j) => t.name !== f.parts[j] || t.dtype !== run[0].dtype || t.shape[1] !== run[0].shape[1])) {
      throw new Error(`fused tensor ${f.name}: its parts ${f.parts.join(', ')} are not consecutive with one dtype and width`);
    }
    const rows = run.reduce((s, t) => s + t.shape[0], 0);
    const shape = f.transposed ? [run[0].shape[1] ?? 1, rows] : run[0].shape.length === 1 ? [rows] : [rows, run[0].shape[1]];
    out.push({ ...run[0], name: f.name, shape });
    i += f.parts.length - 1;
  }
  return out;
}

/** A transposed run's stored bytes: parts [N_i, K] (elements of `elemBytes`, consecutive in `bytes`) written as
 *  the transpose of their row stack, [K, sum N_i] (GPT-2's Conv1D layout). */
export function transposeStacked(bytes: Uint8Array, rows: readonly number[], K: number, elemBytes: number): Uint8Array {
  const total = rows.reduce((a, b) => a + b, 0), e = elemBytes;
  const out = new Uint8Array(bytes.byteLength);
  let rowStart = 0, partAt = 0;
  for (const N of rows) {
    for (let r = 0; r < N; r++) {
      for (let k = 0; k < K; k++) {
        const src = partAt + (r * K + k) * e, dst = (k * total + rowStart + r) * e;
        for (let b = 0; b < e; b++) out[dst + b] = bytes[src + b];
      }
    }
    rowStart += N;
    partAt += N * K * e;
  }
  return out;
}
