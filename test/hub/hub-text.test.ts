// Evaluation text from a Hub dataset repo (the stand-in serves the WikiText-2 fixture gzipped at the default
// path and plain at another), hub ids and URLs, and the streaming rate of the download path.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryHubCache } from '../../src/core/hub/hub-cache.ts';
import { download } from '../../src/core/hub/hub-fetch.ts';
import { hubRepo, repoLabel, resolveUrl, splitRepoInput } from '../../src/core/hub/hub-id.ts';
import { hubContext, type HubProgress } from '../../src/core/hub/hub-model.ts';
import { DEFAULT_TEXT_SOURCE, fetchHubText } from '../../src/core/hub/hub-text.ts';
import { WIKITEXT_TEST } from '../helpers/fixtures.ts';
import { gzip, type HubStandIn, startHubStandIn } from '../helpers/hub-stand-in.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';

let hub: HubStandIn;
const wiki = new Uint8Array(readFileSync(WIKITEXT_TEST));
// Salesforce/wikitext's layout: one row per line of wiki.test.raw (newline kept), blank lines as "".
const wikiRows = new TextDecoder().decode(wiki).split(/(?<=\n)/).slice(0, 50).map((l) => (l.trim() ? l : ''));
const wikiParquet = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: wikiRows }] }));
const big = new Uint8Array(64 << 20).map((_, i) => (i * 2654435761) >>> 24);

beforeAll(async () => {
  hub = await startHubStandIn();
  hub.addDataset(DEFAULT_TEXT_SOURCE.dataset, new Map([
    [DEFAULT_TEXT_SOURCE.file, gzip(wiki)],
    ['wikitext-2-raw-v1/wiki.test.raw', wiki],
  ]));
  hub.addDataset('Salesforce/wikitext', new Map([['wikitext-2-raw-v1/test-00000-of-00001.parquet', wikiParquet]]));
  hub.addDataset('bench/big', new Map([['blob.bin', big]]));
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

describe('Hub text source', () => {
  it('fetches the default WikiText-2 test file (gzip) and gives exactly the fixture text, then serves it from the cache', async () => {
    const cache = memoryHubCache();
    const seen: HubProgress[] = [];
    const first = await fetchHubText({ base: hub.url, ...DEFAULT_TEXT_SOURCE }, { cache, onProgress: (p) => seen.push({ ...p }) });
    expect(first.text).toBe(readFileSync(WIKITEXT_TEST, 'utf8')); // what `prunelab ppl --text` reads
    expect(first).toMatchObject({ name: 'wiki.test.raw', gzip: true, fromCache: false, label: DEFAULT_TEXT_SOURCE.dataset });
    expect(first.url).toBe(`${hub.url}/datasets/${DEFAULT_TEXT_SOURCE.dataset}/resolve/main/${DEFAULT_TEXT_SOURCE.file}`);
    expect(first.downloadedBytes).toBe(first.fileBytes);
    expect(seen.at(-1)).toMatchObject({ loaded: first.fileBytes, total: first.fileBytes, filesDone: 1, files: 1 });

    const n = hub.requests.length;
    const second = await fetchHubText({ base: hub.url, ...DEFAULT_TEXT_SOURCE }, { cache });
    expect(hub.requests.length).toBe(n);
    expect(second).toMatchObject({ fromCache: true, downloadedBytes: 0, text: first.text });
  });

  it('reads a plain text file in a folder of the repo', async () => {
    const r = await fetchHubText({ base: hub.url, dataset: DEFAULT_TEXT_SOURCE.dataset, file: 'wikitext-2-raw-v1/wiki.test.raw' });
    expect(r.gzip).toBe(false);
    expect(r.text).toBe(new TextDecoder().decode(wiki));
    expect(r.name).toBe('wiki.test.raw');
  });

  it('reads a Parquet split as its text column\'s rows joined by "\\n\\n" (Salesforce/wikitext)', async () => {
    const r = await fetchHubText({ base: hub.url, dataset: 'Salesforce/wikitext', file: 'wikitext-2-raw-v1/test-00000-of-00001.parquet' });
    expect(r.text).toBe(wikiRows.join('\n\n'));
    expect(r.parquet).toEqual({ column: 'text', rows: 50, join: '\n\n' });
    expect(r).toMatchObject({ gzip: false, name: 'test-00000-of-00001.parquet', fileBytes: wikiParquet.byteLength });
    const plain = await fetchHubText({ base: hub.url, dataset: DEFAULT_TEXT_SOURCE.dataset, file: 'wikitext-2-raw-v1/wiki.test.raw' });
    expect(plain.parquet).toBeUndefined();
  });

  it('a missing file or dataset is HubNotFound naming it', async () => {
    const e = await fetchHubText({ base: hub.url, dataset: DEFAULT_TEXT_SOURCE.dataset, file: 'nope.txt' }).catch((x) => x);
    expect(e.code).toBe('HubNotFound');
    expect(e.message).toContain('has no file nope.txt');
    const d = await fetchHubText({ base: hub.url, dataset: 'nobody/nothing', file: 'x.txt' }).catch((x) => x);
    expect(d.code).toBe('HubNotFound');
    expect(d.message).toContain('no dataset "nobody/nothing"');
    const bad = await fetchHubText({ base: hub.url, dataset: 'nobody/nothing', file: '../x' }).catch((x) => x);
    expect(bad.code).toBe('BadHubId');
  });

  it('streams a 64 MiB file chunk by chunk (rate printed for the report)', async () => {
    const repo = hubRepo({ base: hub.url, id: 'bench/big' }, 'dataset');
    const url = resolveUrl(repo, 'blob.bin');
    let chunks = 0;
    let bytes = 0;
    const t0 = performance.now();
    const blob = await download(url, { repo, file: 'blob.bin' }, hubContext({}), { cache: memoryHubCache(), onBytes: (n) => { chunks++; bytes += n; } });
    const s = (performance.now() - t0) / 1000;
    expect(blob.size).toBe(big.byteLength);
    expect(bytes).toBe(big.byteLength);
    expect(chunks).toBeGreaterThan(100);
    expect(Buffer.from(await blob.slice(12345, 12345 + 4096).arrayBuffer()).equals(Buffer.from(big.subarray(12345, 12345 + 4096)))).toBe(true);
    console.info(`stand-in 64 MiB download into the cache: ${s.toFixed(2)} s = ${(big.byteLength / 1e6 / s).toFixed(0)} MB/s, ${chunks} chunks`);
  });
});

describe('Hub ids and URLs', () => {
  it('accepts what users paste and builds the resolve URL with the revision encoded', () => {
    expect(splitRepoInput(' HuggingFaceTB/SmolLM2-135M ')).toEqual({ id: 'HuggingFaceTB/SmolLM2-135M' });
    expect(splitRepoInput('owner/name@v1.0')).toEqual({ id: 'owner/name', revision: 'v1.0' });
    expect(splitRepoInput('https://huggingface.co/owner/name/tree/refs%2Fpr%2F3')).toEqual({ id: 'owner/name', revision: 'refs/pr/3' });
    expect(splitRepoInput('https://huggingface.co/owner/name')).toEqual({ id: 'owner/name', revision: undefined });
    const repo = hubRepo({ base: 'https://hf-mirror.example/prefix/', id: 'owner/name', revision: 'refs/pr/3' });
    expect(resolveUrl(repo, 'sub dir/model.safetensors')).toBe('https://hf-mirror.example/prefix/owner/name/resolve/refs%2Fpr%2F3/sub%20dir/model.safetensors');
    expect(repoLabel(repo)).toBe('owner/name@refs/pr/3');
    expect(repoLabel(hubRepo({ id: 'owner/name' }))).toBe('owner/name');
    expect(hubRepo({ id: 'owner/name' }).base).toBe('https://huggingface.co');
  });
});
