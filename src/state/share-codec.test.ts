// The share-link codec: round trip, version check, malformed links (cut, random, mangled, tampered, wrong
// types, NaN, out-of-range sparsity), no credentials in a link, fingerprint checks.
import { zlibSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METHOD, DEFAULT_SCAN } from './prune-settings.ts';
import { DEFAULT_SETTINGS } from './run-settings.ts';
import { DEFAULT_SEARCH } from './search-settings.ts';
import {
  checkFingerprint, decodeConfig, encodeConfig, payloadFromHash, shareUrl, type SharedConfig,
} from './share-codec.ts';

const FP = 'ab12'.repeat(16);
const config = (): SharedConfig => ({
  v: 1,
  ppl: { seqLen: 128, maxWindows: 4 },
  method: { ...DEFAULT_METHOD, metric: 'magnitude', allocation: 'owl', calibWindows: 3 },
  sparsity: 0.35,
  vector: [0.2, 0.3, 0.35, 0.4, 0.5],
  scan: { ...DEFAULT_SCAN, levelsText: '0.3, 0.8', windows: 2 },
  search: { ...DEFAULT_SEARCH, target: 0.25, population: 3, generations: 1, crossovers: 1, mutations: 1, seed: 7, operator: 'llm',
    llmUrl: 'http://127.0.0.1:9000', llmModel: 'qwen2.5-7b-instruct' },
  model: { fingerprint: FP, name: 'stories260K', hubId: 'karpathy/tinyllamas' },
  text: { name: 'validation-prefix.txt', hash: 'cd34'.repeat(16) },
});

/** Builds a payload from arbitrary JSON, the way a tampered or foreign link would be made. */
function payloadOf(value: unknown): string {
  const bytes = zlibSync(strToU8(JSON.stringify(value)));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function expectFailure(payload: string, reason: string, pattern: RegExp) {
  const r = decodeConfig(payload);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.reason).toBe(reason);
  expect(r.message).toMatch(pattern);
}

describe('share codec', () => {
  it('round-trips a whole configuration through the URL hash', () => {
    const c = config();
    const url = shareUrl('http://127.0.0.1:4173/?x=1#old', c);
    expect(url.startsWith('http://127.0.0.1:4173/?x=1#c=')).toBe(true);
    const payload = payloadFromHash(new URL(url).hash);
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeConfig(payload!)).toEqual({ ok: true, config: c });
    expect(url.length).toBeLessThan(700);
  });

  it('round-trips the defaults and a configuration with no model or text', () => {
    const c: SharedConfig = { v: 1, ppl: DEFAULT_SETTINGS, method: DEFAULT_METHOD, sparsity: 0, scan: DEFAULT_SCAN, search: DEFAULT_SEARCH };
    expect(decodeConfig(encodeConfig(c))).toEqual({ ok: true, config: c });
  });

  it('carries the search fitness beside the zero-shot tasks and hashes; a link from before the option still decodes', () => {
    const zs: SharedConfig = { ...config(), search: { ...config().search, fitness: 'zeroshot' },
      zeroShot: { tasks: [{ name: 'hellaswag', hash: 'ef56'.repeat(16) }], limit: 6 } };
    expect(decodeConfig(encodeConfig(zs))).toEqual({ ok: true, config: zs });
    // An older link: its search has no fitness field (perplexity).
    const { fitness: _, ...oldSearch } = zs.search;
    const old = decodeConfig(payloadOf({ ...config(), search: oldSearch }));
    expect(old.ok && old.config.search.fitness).toBeUndefined();
    expect(old.ok).toBe(true);
    expectFailure(payloadOf({ ...zs, search: { ...zs.search, fitness: 'accuracy' } }), 'invalid', /search\.fitness/);
  });

  it('finds the payload among other hash parameters and survives percent-encoding', () => {
    const payload = encodeConfig(config());
    expect(payloadFromHash(`#hub=x&c=${payload}&y=2`)).toBe(payload);
    expect(payloadFromHash(`#c=${encodeURIComponent(payload)}`)).toBe(payload);
    expect(payloadFromHash('')).toBeNull();
    expect(payloadFromHash('#section')).toBeNull();
  });

  it('refuses a newer or unknown version with a message naming it', () => {
    expectFailure(payloadOf({ ...config(), v: 2 }), 'version', /newer Prunelab \(link version 2; this studio reads version 1\)/);
    expectFailure(payloadOf({ ...config(), v: '1' }), 'version', /unknown version \("1"/);
    const { v: _v, ...noVersion } = config();
    expectFailure(payloadOf(noVersion), 'version', /unknown version \(none/);
  });

  it('refuses a cut-off link', () => {
    const payload = encodeConfig(config());
    for (const keep of [1, 5, 10, Math.floor(payload.length / 2), payload.length - 3, payload.length - 1]) {
      const r = decodeConfig(payload.slice(0, keep));
      expect(r.ok, `kept ${keep} of ${payload.length}`).toBe(false);
      if (!r.ok) expect(r.reason).toBe('damaged');
    }
    expectFailure('', 'damaged', /no configuration/);
  });

  it('refuses random bytes and mangled characters', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let n = 0; n < 50; n++) {
      const len = 8 + (next() % 300);
      const random = Array.from({ length: len }, () => alphabet[next() % alphabet.length]).join('');
      const r = decodeConfig(random);
      expect(r.ok, random).toBe(false);
    }
    expectFailure('abc def', 'damaged', /characters a Prunelab link never has/);
    expectFailure('eJyrVkrLz1eyUkpKLFKqBQApZgT+!', 'damaged', /characters/);
    expectFailure('A'.repeat(9000), 'damaged', /more than a configuration can be/);
  });

  it('detects a tampered payload through the checksum', () => {
    const payload = encodeConfig(config());
    let caught = 0;
    for (let i = 4; i < payload.length - 1; i += 3) {
      const ch = payload[i] === 'A' ? 'B' : 'A';
      const r = decodeConfig(payload.slice(0, i) + ch + payload.slice(i + 1));
      expect(r.ok).toBe(false);
      caught++;
    }
    expect(caught).toBeGreaterThan(10);
  });

  it('refuses JSON that is not a configuration', () => {
    expectFailure(payloadOf([1, 2, 3]), 'invalid', /does not hold a Prunelab configuration/);
    expectFailure(payloadOf('hello'), 'invalid', /does not hold a Prunelab configuration/);
    const bytes = zlibSync(strToU8('{"v":1,'));
    const cut = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expectFailure(cut, 'damaged', /not JSON/);
  });

  it('refuses wrong types, NaN and out-of-range values, naming the field', () => {
    const c = config();
    expectFailure(payloadOf({ ...c, sparsity: 1.5 }), 'invalid', /sparsity \(global sparsity\): Too big/);
    expectFailure(payloadOf({ ...c, sparsity: -0.1 }), 'invalid', /sparsity \(global sparsity\): Too small/);
    expectFailure(payloadOf({ ...c, sparsity: '0.5' }), 'invalid', /sparsity \(global sparsity\): .*expected number/);
    expectFailure(payloadOf({ ...c, sparsity: Number.NaN }), 'invalid', /sparsity \(global sparsity\): .*expected number, received null/); // JSON writes NaN as null
    expectFailure(payloadOf({ ...c, ppl: { seqLen: 12.5, maxWindows: 4 } }), 'invalid', /ppl\.seqLen \(sequence length\): expected a whole number/);
    expectFailure(payloadOf({ ...c, method: { ...c.method, metric: 'random' } }), 'invalid', /method\.metric/);
    expectFailure(payloadOf({ ...c, scan: { ...c.scan, levelsText: '0.3, 2' } }), 'invalid', /scan\.levelsText \(scan levels\): level "2" is not a sparsity/);
    expectFailure(payloadOf({ ...c, search: { ...c.search, population: 1 } }), 'invalid', /search\.population \(population\): Too small/);
    expectFailure(payloadOf({ ...c, model: { fingerprint: 'not hex!' } }), 'invalid', /model\.fingerprint: expected a lowercase hex hash/);
    expectFailure(payloadOf({ ...c, vector: [0.2, 1.5] }), 'invalid', /vector\.1: Too big/);
    expectFailure(payloadOf({ ...c, vector: [] }), 'invalid', /vector: Too small/);
    expectFailure(payloadOf({ ...c, ppl: null }), 'invalid', /^This link's configuration is not valid: ppl:/);
  });

  it('refuses unknown fields: a link cannot smuggle a key in', () => {
    const c = config();
    expectFailure(payloadOf({ ...c, search: { ...c.search, apiKey: 'sk-secret' } }), 'invalid', /search: Unrecognized key: "apiKey"/);
    expectFailure(payloadOf({ ...c, extra: 1 }), 'invalid', /Unrecognized key/);
  });

  it('never puts an API key or endpoint credentials into a link', () => {
    const key = 'sk-live-DO-NOT-SHARE-0123456789';
    const withKey = { ...config(), search: { ...config().search, apiKey: key } } as unknown as SharedConfig;
    expect(() => encodeConfig(withKey)).toThrow(/Unrecognized key: "apiKey"/);
    const c = config();
    c.search.llmUrl = `https://user:${key}@llm.example.com/v1`;
    const payload = encodeConfig(c);
    const back = decodeConfig(payload);
    expect(back.ok && back.config.search.llmUrl).toBe('https://llm.example.com/v1');
    expect(JSON.stringify(back)).not.toContain(key);
    expect(payload).not.toContain(key);
  });

  it('refuses to encode settings that are not valid (an empty field while typing)', () => {
    expect(() => encodeConfig({ ...config(), ppl: { seqLen: Number.NaN, maxWindows: 4 } })).toThrow(/ppl\.seqLen/);
    expect(() => encodeConfig({ ...config(), sparsity: 0.95 })).toThrow(/sparsity/);
  });

  it('tells whether the loaded model is the link’s', () => {
    const c = config();
    expect(checkFingerprint(c, FP)).toEqual({ status: 'match', link: FP, loaded: FP });
    expect(checkFingerprint(c, 'ef56'.repeat(16))).toEqual({ status: 'mismatch', link: FP, loaded: 'ef56'.repeat(16) });
    const { model: _m, ...noModel } = c;
    expect(checkFingerprint(noModel, FP)).toEqual({ status: 'unknown' });
  });
});
