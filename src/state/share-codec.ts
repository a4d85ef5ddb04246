// The share link: the studio's whole configuration as `#c=PAYLOAD` in the URL hash. PAYLOAD is base64url of
// zlib-compressed JSON (fflate), versioned (`v: 1`) and validated by a zod schema on decode, so a cut, mangled,
// tampered or newer link is refused with a message that says what is wrong. The optimizer LLM's API key has
// no field in the schema (strict objects refuse unknown keys), so it can never travel in a link.
// Framework-free: runs in Node (tests, e2e) and in the page.
import { strFromU8, strToU8, unzlibSync, zlibSync } from 'fflate';
import { z } from 'zod';
import type { Metric } from '../core/prune/prune-options.ts';
import type { AllocationChoice, NmChoice } from './prune-settings.ts';
import { parseLevels } from './scan-levels.ts';
import type { SearchMethod } from './search-settings.ts';
import { quote } from '../core/quote.ts';
import { TASK_NAMES } from '../core/zeroshot/task-definition.ts';
import { FITNESS_KINDS } from '../core/search/fitness-objective.ts';
import { parseHubDatasetRef } from '../core/hub/hub-dataset-ref.ts';

export const SHARE_VERSION = 1;
/** The hash parameter that holds the payload: `#c=...`. */
export const HASH_PARAM = 'c';
/** The slider's range. */
export const MAX_SPARSITY = 0.9;
/** Longest payload accepted (a real configuration is a few hundred characters). */
const MAX_PAYLOAD = 8000;

// Every choice the studio offers. `covered` fails to compile when a choice is added to the studio's types but
// not here (a link using it would otherwise be refused as invalid); a listed value the types do not have yet
// is harmless (no studio makes such a link).
const METRICS = ['magnitude', 'wanda', 'sparsegpt'] as const;
const ALLOCATIONS = ['uniform', 'owl', 'mrp'] as const;
const PATTERNS = ['off', '2:4', '4:8', 'heads'] as const;
const SEARCH_METHODS = ['wanda-sp', 'magnitude-sp', 'flap', 'wanda', 'magnitude'] as const;
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
const covered: [Covers<Metric, typeof METRICS[number]>, Covers<AllocationChoice, typeof ALLOCATIONS[number]>,
  Covers<NmChoice, typeof PATTERNS[number]>, Covers<SearchMethod, typeof SEARCH_METHODS[number]>] = [true, true, true, true];
void covered;
/** One of `values`, typed as the studio's own union. */
const oneOf = <T extends string>(values: readonly [string, ...string[]]) => z.enum(values).transform((v) => v as T);

const whole = (min: number, max: number) => z.number().int('expected a whole number').min(min).max(max);
const hash = z.string().regex(/^[0-9a-f]{8,128}$/, 'expected a lowercase hex hash');
const hubDataRef = z.string().max(1000).superRefine((ref, ctx) => {
  try {
    if (parseHubDatasetRef(ref) === null) ctx.addIssue({ code: 'custom', message: 'expected hf://datasets/owner/name[@revision]/file' });
  } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); }
});
const fileRef = z.strictObject({ name: z.string().min(1).max(255), hash: hash.optional() });

export const SharedConfigSchema = z.strictObject({
  v: z.literal(SHARE_VERSION),
  ppl: z.strictObject({ seqLen: whole(2, 1 << 20), maxWindows: whole(0, 1_000_000) }),
  method: z.strictObject({
    metric: oneOf<Metric>(METRICS), allocation: oneOf<AllocationChoice>(ALLOCATIONS), nm: oneOf<NmChoice>(PATTERNS),
    calibWindows: whole(1, 100_000),
    // Added after v1 links were out: optional, so links without them still decode (= off, bias compensation on).
    flap: z.boolean().optional(), kvGroups: z.boolean().optional(), biasCompensation: z.boolean().optional(),
  }),
  /** The slider's last released value. */
  sparsity: z.number().min(0).max(MAX_SPARSITY),
  /** A per-layer vector applied instead of the allocation (the search's best, "Apply on the slider"). */
  vector: z.array(z.number().min(0).max(0.99)).min(1).max(4096).optional(),
  scan: z.strictObject({
    levelsText: z.string().max(300).superRefine((text, ctx) => {
      const levels = parseLevels(text);
      if (typeof levels === 'string') ctx.addIssue({ code: 'custom', message: levels });
    }),
    windows: whole(1, 100_000),
  }),
  search: z.strictObject({
    target: z.number().gt(0).max(0.95),
    method: oneOf<SearchMethod>(SEARCH_METHODS),
    population: whole(2, 100_000),
    generations: whole(0, 100_000),
    crossovers: whole(0, 100_000),
    mutations: whole(0, 100_000),
    seed: whole(0, 2 ** 32 - 1),
    operator: z.enum(['ga', 'llm']),
    llmUrl: z.string().max(2000),
    llmModel: z.string().max(300),
    llmTemperature: z.number().min(0).max(2),
    llmTimeoutSeconds: z.number().gt(0).max(86_400),
    // Added after v1 links were out: optional (absent: perplexity). The zero-shot tasks and hashes are zeroShot's.
    fitness: z.enum(FITNESS_KINDS).optional(),
  }),
  /** The model the configuration was made with (its protocol fingerprint), and where it came from. */
  model: z.strictObject({ fingerprint: hash, name: z.string().max(300).optional(), hubId: z.string().min(1).max(300).optional() }).optional(),
  /** The evaluation text (name; sha-256 of its content when known). */
  text: fileRef.optional(),
  /** A separate calibration text, when one was picked. */
  calib: fileRef.optional(),
  /** The Zero-shot panel's tasks with the SHA-256 of each one's data file (never the data) and the first-N limit.
   * Added after v1 links were out: optional, so older links still decode. `hub` (added later, optional too): the
   * Hub dataset file the data was fetched from (hf://datasets/owner/name@revision/file), so a recipient can fetch it. */
  zeroShot: z.strictObject({
    tasks: z.array(z.strictObject({ name: z.enum(TASK_NAMES), hash: hash.optional(), hub: hubDataRef.optional() })).min(1).max(TASK_NAMES.length)
      .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, 'a task is named twice'),
    limit: whole(1, 100_000_000).optional(),
  }).optional(),
});

export type SharedConfig = z.output<typeof SharedConfigSchema>;

export type DecodeResult =
  | { ok: true; config: SharedConfig }
  | { ok: false; reason: 'damaged' | 'version' | 'invalid'; message: string };

const ISSUES_SHOWN = 3;

/** The studio's names for the fields, so a message points at the input to fix. */
const FIELD_LABELS: Record<string, string> = {
  'ppl.seqLen': 'sequence length', 'ppl.maxWindows': 'max windows', 'method.calibWindows': 'calibration windows',
  sparsity: 'global sparsity', 'scan.levelsText': 'scan levels', 'scan.windows': 'scan windows per cell',
  'search.target': 'search target', 'search.population': 'population', 'search.generations': 'generations',
  'search.crossovers': 'crossovers', 'search.mutations': 'mutations', 'search.seed': 'seed', 'search.llmTimeoutSeconds': 'LLM timeout',
  'zeroShot.limit': 'first N documents',
};

/** The first few schema problems, each as `path: message` (with the field's name in the studio). */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, ISSUES_SHOWN).map((i) => {
    const path = i.path.length > 0 ? i.path.join('.') : 'configuration';
    return `${path}${FIELD_LABELS[path] ? ` (${FIELD_LABELS[path]})` : ''}: ${i.message}`;
  });
  const more = error.issues.length - ISSUES_SHOWN;
  return parts.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

/** Removes `user:password@` from an endpoint URL: credentials never go into a link. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** zlib's trailer checksum (fflate inflates without checking it). */
function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The payload for `#c=` (throws with the schema's message when the configuration is not valid). */
export function encodeConfig(config: SharedConfig): string {
  const checked = SharedConfigSchema.safeParse(config);
  if (!checked.success) throw new Error(`cannot share this configuration: ${describeIssues(checked.error)}`);
  const search = { ...checked.data.search, llmUrl: withoutCredentials(checked.data.search.llmUrl) };
  return toBase64Url(zlibSync(strToU8(JSON.stringify({ ...checked.data, search })), { level: 9 }));
}

/** Reads a payload back; never throws. */
export function decodeConfig(payload: string): DecodeResult {
  const damaged = (why: string): DecodeResult => ({
    ok: false, reason: 'damaged', message: `This link is damaged: ${why}. Copy the whole link again from where it was shared.`,
  });
  if (payload.length === 0) return damaged('it has no configuration after #c=');
  if (payload.length > MAX_PAYLOAD) return damaged(`it is ${payload.length} characters long, more than a configuration can be (${MAX_PAYLOAD})`);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return damaged('it contains characters a Prunelab link never has (it was altered or mangled when pasted)');
  let json: string;
  try {
    const bytes = fromBase64Url(payload);
    if (bytes.length < 6) return damaged('it is too short to hold a configuration');
    const raw = unzlibSync(bytes);
    const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0);
    if (stored !== adler32(raw)) return damaged('its checksum does not match its content (it was cut off or altered)');
    json = strFromU8(raw);
  } catch (e) {
    return damaged(`its compressed configuration cannot be read (${e instanceof Error ? e.message : String(e)}); it may have been cut off`);
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return damaged('its content is not a configuration (not JSON)');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, reason: 'invalid', message: 'This link does not hold a Prunelab configuration.' };
  }
  const v = (data as { v?: unknown }).v;
  if (v !== SHARE_VERSION) {
    const message = typeof v === 'number' && Number.isInteger(v) && v > SHARE_VERSION
      ? `This link was made by a newer Prunelab (link version ${v}; this studio reads version ${SHARE_VERSION}). Open it in an up-to-date studio.`
      : `This link has an unknown version (${v === undefined ? 'none' : quote(v)}; this studio reads version ${SHARE_VERSION}).`;
    return { ok: false, reason: 'version', message };
  }
  const parsed = SharedConfigSchema.safeParse(data);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid', message: `This link's configuration is not valid: ${describeIssues(parsed.error)}.` };
  }
  return { ok: true, config: parsed.data };
}

/** The payload in a location hash (`#c=...`, among other `&`-separated parameters), or null when there is none. */
export function payloadFromHash(hash: string): string | null {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of body.split('&')) {
    if (!part.startsWith(`${HASH_PARAM}=`)) continue;
    const value = part.slice(HASH_PARAM.length + 1);
    try { return decodeURIComponent(value); } catch { return value; }
  }
  return null;
}

export const hashOf = (config: SharedConfig) => `#${HASH_PARAM}=${encodeConfig(config)}`;

/** A page URL (origin + path + query) with the configuration in its hash. */
export function shareUrl(pageUrl: string, config: SharedConfig): string {
  const base = pageUrl.split('#')[0];
  return `${base}${hashOf(config)}`;
}

export type FingerprintCheck = { status: 'match' | 'mismatch'; link: string; loaded: string } | { status: 'unknown' };

/** Whether the loaded model is the one the link was made with (unknown when the link names none). */
export function checkFingerprint(config: SharedConfig, loadedFingerprint: string): FingerprintCheck {
  const link = config.model?.fingerprint;
  if (!link) return { status: 'unknown' };
  return { status: link === loadedFingerprint ? 'match' : 'mismatch', link, loaded: loadedFingerprint };
}
