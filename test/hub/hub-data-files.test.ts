// The CLI's data files without a GPU (fast tier): a path or an hf://datasets/... reference read against the Hub
// stand-in at $HF_ENDPOINT, text flags decoding plain, gzip (the studio's default Hub text) and Parquet text alike,
// each with the SHA-256 of the bytes read and the Hub origin; typed errors for a damaged gzip and a missing file.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataFile, readTextFlag } from '../../src/cli/data-files.ts';
import { WIKITEXT_TEST } from '../helpers/fixtures.ts';
import { gzip, type HubStandIn, startHubStandIn } from '../helpers/hub-stand-in.ts';

const wiki = readFileSync(WIKITEXT_TEST, 'utf8').split(/(?<=\n)/).slice(0, 40).join('');
const wikiBytes = new TextEncoder().encode(wiki);
const rows = ['', ' = A = \n', '', ' b . \n'];
const parquetBytes = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: rows }] }));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-data-files-'));
let hub: HubStandIn;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  hub = await startHubStandIn();
  hub.addDataset('ikawrakow/validation-datasets-for-llama.cpp', new Map([['wiki.test.raw.gz', gzip(wikiBytes)], ['damaged.gz', gzip(wikiBytes).slice(0, 30)]]));
  hub.addDataset('Salesforce/wikitext', new Map([['w/test.parquet', gzip(parquetBytes)], ['w/plain.parquet', parquetBytes]]), { revision: 'v2' });
  env = { HF_ENDPOINT: hub.url };
});
afterAll(async () => { await hub.close(); rmSync(tmp, { recursive: true, force: true }); });

describe('CLI data files', () => {
  it('reads a local path or a Hub dataset file, with its origin', async () => {
    const local = join(tmp, 'a.txt');
    writeFileSync(local, 'héllo');
    expect(await readDataFile(local, 'text file', env)).toEqual({ bytes: new TextEncoder().encode('héllo'), name: local });
    const ref = 'hf://datasets/Salesforce/wikitext@v2/w/plain.parquet';
    const got = await readDataFile(ref, 'task file', env);
    expect(got.bytes).toEqual(parquetBytes);
    expect(got.hub).toEqual({ kind: 'dataset', id: 'Salesforce/wikitext', revision: 'v2', file: 'w/plain.parquet', url: `${hub.url}/datasets/Salesforce/wikitext/resolve/v2/w/plain.parquet` });
    await expect(readDataFile(join(tmp, 'none.jsonl'), 'task file', env)).rejects.toMatchObject({ code: 'BadRequest', message: `cannot read task file ${join(tmp, 'none.jsonl')}` });
  });

  it('text flags: gzip is decompressed (text and Parquet), Parquet joined by "\\n\\n"; the hash is of the bytes read', async () => {
    const gz = await readTextFlag('hf://datasets/ikawrakow/validation-datasets-for-llama.cpp/wiki.test.raw.gz', env);
    expect(gz.text).toBe(wiki);
    expect(gz.source).toMatchObject({ format: 'text', gzip: true, sha256: sha256(gzip(wikiBytes)), hub: { revision: 'main', file: 'wiki.test.raw.gz' } });
    const pq = await readTextFlag('hub:datasets/Salesforce/wikitext/resolve/v2/w/test.parquet', env);
    expect(pq.text).toBe(rows.join('\n\n'));
    expect(pq.source).toMatchObject({ format: 'parquet', gzip: true, column: 'text', rows: 4, join: '\n\n' });
    const plainFile = join(tmp, 'wiki.txt');
    writeFileSync(plainFile, wiki);
    const plain = await readTextFlag(plainFile, env);
    expect(plain).toEqual({ text: wiki, source: { file: plainFile, sha256: sha256(wikiBytes), format: 'text' } });
    await expect(readTextFlag('hf://datasets/ikawrakow/validation-datasets-for-llama.cpp/damaged.gz', env))
      .rejects.toMatchObject({ code: 'BadTextFile', message: expect.stringMatching(/damaged\.gz: a damaged gzip file \(/) });
  });
});
