// The protocol fingerprint of a model: sha-256 over canonical JSON of the spec and the sorted tensor
// names/shapes. Same architecture + same tensor table = same fingerprint, whatever the byte layout.
import type { TensorEntry } from './loaded-model.ts';
import type { ModelSpec } from './spec.ts';

/** JSON with object keys sorted at every level, so key order never changes the hash. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function modelFingerprint(spec: ModelSpec, tensors: Iterable<Pick<TensorEntry, 'name' | 'shape'>>): Promise<string> {
  const table = [...tensors].map((t) => [t.name, t.shape] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = canonicalJson({ spec, tensors: table });
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
