// The Hub source against a local stand-in with the Hub's URL layout (test/helpers/hub-stand-in.ts), serving the
// stories260K fixture: single file and sharded, the cache, byte progress, and every failure a user can meet.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import type { LoadedModel } from '../../src/core/model/loaded-model.ts';
import { memoryHubCache } from '../../src/core/hub/hub-cache.ts';
import { HubError } from '../../src/core/hub/hub-errors.ts';
import { downloadHubModel, type HubProgress } from '../../src/core/hub/hub-model.ts';
import { STORIES_HF } from '../helpers/fixtures.ts';
import { type Files, filesFromDir, type HubStandIn, shardedVariant, startHubStandIn } from '../helpers/hub-stand-in.ts';

const ID = 'karpathy/stories260K';
const TOKEN = 'hf_standin_secret_token';
let hub: HubStandIn;
let files: Files;
let reference: LoadedModel;
const fixtureBytes = () => [...files.values()].reduce((n, b) => n + b.byteLength, 0);

beforeAll(async () => {
  hub = await startHubStandIn();
  files = filesFromDir(STORIES_HF);
  hub.addModel(ID, files);
  hub.addModel('karpathy/stories260K-sharded', await shardedVariant(files));
  hub.addModel('gated/stories260K', files, { token: TOKEN });
  hub.addModel('someone/no-weights', new Map([...files].filter(([n]) => n !== 'model.safetensors')));
  hub.addModel('someone/no-tokenizer', new Map([...files].filter(([n]) => n !== 'tokenizer.json')));
  const sharded = await shardedVariant(files);
  sharded.delete('model-00002-of-00002.safetensors');
  hub.addModel('someone/lost-shard', sharded);
  reference = await loadModel(await pathSources(STORIES_HF));
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

/** Every tensor's bytes equal the fixture's (not only names and shapes). */
async function expectSameWeights(model: LoadedModel) {
  expect(model.fingerprint).toBe(reference.fingerprint);
  expect([...model.tensors.keys()].sort()).toEqual([...reference.tensors.keys()].sort());
  for (const [name, t] of reference.tensors) {
    const got = model.tensors.get(name)!;
    const a = await t.source.read(t.byteOffset, t.byteLength);
    const b = await got.source.read(got.byteOffset, got.byteLength);
    expect(Buffer.from(b).equals(Buffer.from(a)), name).toBe(true);
  }
  expect(model.tokenizer.encode('Once upon a time')).toEqual(reference.tokenizer.encode('Once upon a time'));
}

async function failure(p: Promise<unknown>): Promise<HubError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, 'expected a failure').toBeInstanceOf(Error);
  return e as HubError;
}

describe('Hub model source', () => {
  it('downloads what loadModel needs, with byte progress over the sum of Content-Length', async () => {
    const seen: HubProgress[] = [];
    const { sources, report } = await downloadHubModel({ base: hub.url, id: ID }, { onProgress: (p) => seen.push({ ...p }) });
    const model = await loadModel(sources);
    await expectSameWeights(model);

    const wanted = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];
    expect(report.files.map((f) => f.name)).toEqual(wanted);
    const total = wanted.reduce((n, f) => n + files.get(f)!.byteLength, 0);
    expect(report).toMatchObject({ id: ID, revision: 'main', base: hub.url, bytes: total, downloadedBytes: total, fromCache: false });
    // The total is known before the first body byte (HEAD sizes), loaded only grows, and ends at the total.
    const firstBytes = seen.find((p) => p.downloaded > 0)!;
    expect(firstBytes.total).toBe(total);
    for (let i = 1; i < seen.length; i++) expect(seen[i].loaded).toBeGreaterThanOrEqual(seen[i - 1].loaded);
    expect(seen.at(-1)).toMatchObject({ loaded: total, total, downloaded: total, filesDone: 4, files: 4 });
    expect(seen.some((p) => p.file === 'model.safetensors' && p.loaded < total)).toBe(true);
    // generation_config.json / special_tokens_map.json are not needed and not fetched.
    expect(hub.downloads().map((p) => decodeURIComponent(p).split('/').pop())).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']);
    const mbps = report.downloadedBytes / 1e6 / report.seconds;
    console.info(`stand-in download: ${(report.downloadedBytes / 1e6).toFixed(2)} MB in ${report.seconds.toFixed(3)} s = ${mbps.toFixed(1)} MB/s (HEAD + GET, loopback)`);
  });

  it('never follows a HEAD to the storage server; without X-Linked-Size the total is fixed when the GET starts', async () => {
    hub.linkedSize(false); // what a browser sees: an opaque redirect, no headers
    const seen: HubProgress[] = [];
    const { sources, report } = await downloadHubModel({ base: hub.url, id: ID }, { onProgress: (p) => seen.push({ ...p }) });
    await expectSameWeights(await loadModel(sources));
    expect(hub.requests.filter((r) => r.path.startsWith('/cdn-lfs/')).map((r) => r.method)).toEqual(['GET']);
    const small = report.bytes - files.get('model.safetensors')!.byteLength;
    const weights = seen.filter((p) => p.file === 'model.safetensors' && p.downloaded > small);
    expect(weights.length).toBeGreaterThan(0);
    expect(weights.every((p) => p.total === report.bytes)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ loaded: report.bytes, total: report.bytes });
  });

  it('loads the sharded variant (index + 2 shards) to the same weights', async () => {
    const { sources, report } = await downloadHubModel({ base: hub.url, id: 'karpathy/stories260K-sharded' });
    expect(report.files.map((f) => f.name)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json',
      'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    await expectSameWeights(await loadModel(sources));
    // model.safetensors was asked for (HEAD, 404) before the index; shards came through the LFS redirect.
    expect(hub.requests.some((r) => r.method === 'HEAD' && r.path.endsWith('/model.safetensors') && r.status === 404)).toBe(true);
    expect(hub.downloads().filter((p) => p.startsWith('/cdn-lfs/')).length).toBe(2);
  });

  it('a second load of the same id and revision comes from the cache without a request', async () => {
    const cache = memoryHubCache();
    const first = await downloadHubModel({ base: hub.url, id: ID }, { cache });
    expect(first.report.fromCache).toBe(false);
    expect(cache.urls()).toHaveLength(4);
    expect(cache.urls().every((u) => u.startsWith(`${hub.url}/${ID}/resolve/main/`))).toBe(true);
    const before = hub.requests.length;
    const seen: HubProgress[] = [];
    const second = await downloadHubModel({ base: hub.url, id: ID }, { cache, onProgress: (p) => seen.push({ ...p }) });
    expect(hub.requests.length).toBe(before);
    expect(second.report).toMatchObject({ fromCache: true, downloadedBytes: 0, bytes: first.report.bytes });
    expect(second.report.files.every((f) => f.fromCache)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ loaded: first.report.bytes, total: first.report.bytes, downloaded: 0 });
    await expectSameWeights(await loadModel(second.sources));
    // Another revision is another cache key.
    hub.addModel(ID, files, { revision: 'v2' });
    const other = await downloadHubModel({ base: hub.url, id: ID, revision: 'v2' }, { cache });
    expect(other.report.fromCache).toBe(false);
    expect(hub.downloads().some((p) => p.includes('/resolve/v2/'))).toBe(true);
    expect(await cache.stats()).toEqual({ files: 8, bytes: 2 * first.report.bytes });
    expect(await cache.clear()).toEqual({ files: 8, bytes: 2 * first.report.bytes });
    expect(cache.urls()).toEqual([]);
  });

  it('refuses a malformed id, revision or base URL before fetching anything', async () => {
    for (const [req, part] of [
      [{ id: 'stories260K' }, 'owner is missing'],
      [{ id: 'a/b/c' }, 'more than one'],
      [{ id: 'karpathy/stories 260K' }, 'may only hold'],
      [{ id: '-x/y' }, 'may only hold'],
      [{ id: 'a--b/c' }, '"--"'],
      [{ id: ID, revision: 'main branch' }, 'not a usable revision'],
      [{ id: ID, base: 'ftp://example.org' }, 'must be http(s)'],
      [{ id: ID, base: 'https://user:pw@hub.example' }, 'credentials'],
    ] as const) {
      const e = await failure(downloadHubModel({ base: hub.url, ...req }));
      expect(e.code, JSON.stringify(req)).toBe('BadHubId');
      expect(e.message).toContain(part);
    }
    expect(hub.requests).toEqual([]);
  });

  it('an unknown id is HubNotFound naming the id, revision and base, before any download', async () => {
    const e = await failure(downloadHubModel({ base: hub.url, id: 'nobody/nothing' }));
    expect(e.code).toBe('HubNotFound');
    expect(e.message).toContain(`no model "nobody/nothing" at revision "main" on ${hub.url}`);
    expect(hub.downloads()).toEqual([]);
    const r = await failure(downloadHubModel({ base: hub.url, id: ID, revision: 'no-such-branch' }));
    expect(r.code).toBe('HubNotFound');
    expect(r.message).toContain('has no revision "no-such-branch"');
  });

  it('401/403 say a token is needed or was refused, and never show the token', async () => {
    hub.missingRepoStatus(401); // what huggingface.co answers anonymous requests for a missing or private repo
    const missing = await failure(downloadHubModel({ base: hub.url, id: 'nobody/nothing' }));
    expect(missing.code).toBe('HubAuthRequired');
    expect(missing.message).toMatch(/needs an access token: it is private or gated, or it does not exist/);

    const anonymous = await failure(downloadHubModel({ base: hub.url, id: 'gated/stories260K' }));
    expect(anonymous.code).toBe('HubAuthRequired');
    expect(anonymous.message).toMatch(/gated or private.*give an access token/);
    const wrong = await failure(downloadHubModel({ base: hub.url, id: 'gated/stories260K', token: 'hf_wrong_token' }));
    expect(wrong.code).toBe('HubAuthRequired');
    expect(wrong.message).toContain('HTTP 403');
    expect(wrong.message).not.toContain('hf_wrong_token');

    hub.reset();
    const { sources } = await downloadHubModel({ base: hub.url, id: 'gated/stories260K', token: TOKEN });
    await expectSameWeights(await loadModel(sources));
    // The token travels in the Authorization header of every resolve request, never in a URL.
    expect(hub.requests.filter((r) => !r.path.startsWith('/cdn-lfs/')).every((r) => r.authorized)).toBe(true);
    expect(hub.requests.some((r) => r.path.includes(TOKEN))).toBe(false);
  });

  it('a model without safetensors weights, tokenizer.json or a shard says which', async () => {
    const noWeights = await failure(downloadHubModel({ base: hub.url, id: 'someone/no-weights' }));
    expect(noWeights.code).toBe('HubNoWeights');
    expect(noWeights.message).toContain('neither model.safetensors nor model.safetensors.index.json');
    const noTok = await failure(downloadHubModel({ base: hub.url, id: 'someone/no-tokenizer' }));
    expect(noTok.code).toBe('HubMissingFile');
    expect(noTok.message).toContain('tokenizer.json');
    const lost = await failure(downloadHubModel({ base: hub.url, id: 'someone/lost-shard' }));
    expect(lost.code).toBe('HubMissingFile');
    expect(lost.message).toContain('model-00002-of-00002.safetensors');
  });

  it('an HTTP 500 is HubHttpError with the status and URL; nothing partial is cached', async () => {
    hub.fault('/model.safetensors', { status: 500 });
    const cache = memoryHubCache();
    const e = await failure(downloadHubModel({ base: hub.url, id: ID }, { cache }));
    expect(e.code).toBe('HubHttpError');
    expect(e.message).toContain('HTTP 500');
    expect(e.message).toContain(`${hub.url}/${ID}/resolve/main/model.safetensors`);
    expect(cache.urls().some((u) => u.endsWith('model.safetensors'))).toBe(false);
  });

  it('an unreachable server is HubNetworkError naming the URL', async () => {
    const dead = await startHubStandIn();
    const base = dead.url;
    await dead.close();
    const e = await failure(downloadHubModel({ base, id: ID }));
    expect(e.code).toBe('HubNetworkError');
    expect(e.message).toContain(`${base}/${ID}/resolve/main/config.json`);
    expect(e.message).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('a server that never answers, or stalls mid-body, fails after the stall timeout', async () => {
    hub.fault('/config.json', { hang: 'headers' });
    const t0 = performance.now();
    const e = await failure(downloadHubModel({ base: hub.url, id: ID }, { stallTimeoutMs: 300 }));
    expect(e.code).toBe('HubNetworkError');
    expect(e.message).toContain('stalled');
    expect(performance.now() - t0).toBeLessThan(5000);

    hub.reset();
    hub.fault('/model.safetensors', { hang: 'body', after: 4096 });
    const cache = memoryHubCache();
    const body = await failure(downloadHubModel({ base: hub.url, id: ID }, { stallTimeoutMs: 300, cache }));
    expect(body.code).toBe('HubNetworkError');
    expect(body.message).toContain('stalled: nothing arrived for 300 ms');
    expect(cache.urls().some((u) => u.endsWith('model.safetensors'))).toBe(false);
  });

  it('a body cut short of its Content-Length is HubNetworkError, not a model', async () => {
    hub.fault('/model.safetensors', { truncate: 100_000 });
    const e = await failure(downloadHubModel({ base: hub.url, id: ID }));
    expect(e.code).toBe('HubNetworkError');
    expect(e.message).toContain('model.safetensors');
  });

  it('cancellation aborts a hanging request and a running transfer; the cache keeps nothing partial', async () => {
    hub.fault('/config.json', { hang: 'headers' });
    const c1 = new AbortController();
    setTimeout(() => c1.abort(), 100);
    expect((await failure(downloadHubModel({ base: hub.url, id: ID }, { signal: c1.signal }))).code).toBe('Cancelled');

    hub.reset();
    hub.throttle(200_000); // ~5 s for the weights
    const cache = memoryHubCache();
    const c2 = new AbortController();
    const seen: HubProgress[] = [];
    const e = await failure(downloadHubModel({ base: hub.url, id: ID }, {
      cache, signal: c2.signal, onProgress: (p) => { seen.push(p); if (p.file === 'model.safetensors' && p.downloaded > 120_000) c2.abort(); },
    }));
    expect(e.code).toBe('Cancelled');
    expect(seen.at(-1)!.loaded).toBeLessThan(fixtureBytes());
    expect(cache.urls().map((u) => u.split('/').pop()).sort()).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json']);
  });
});
