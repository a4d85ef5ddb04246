// Perplexity text from Parquet and the Hub in the CLI (issue 14 §3), against the Hub stand-in at $HF_ENDPOINT:
// WikiText-2 as Salesforce/wikitext ships it (Parquet, one row per line) gives prunelab ppl the "\n\n"-joined text,
// from the Hub and from a local file, with the file's SHA-256 and the revision; bad references, missing files and
// missing columns are one-line typed errors before the model opens.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { STORIES_HF, WIKITEXT_TEST } from '../helpers/fixtures.ts';
import { type HubStandIn, startHubStandIn } from '../helpers/hub-stand-in.ts';

const WIKI_FILE = 'wikitext-2-raw-v1/test-00000-of-00001.parquet';
const REV = 'b08601e04326c79dfdd32d625aee71d232d685c3';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const parquet = (columns: Array<{ name: string; data: unknown[] }>) => new Uint8Array(parquetWriteBuffer({ columnData: columns }));

// WikiText-2 test as Salesforce/wikitext's loader wrote it: one row per line of wiki.test.raw, newline kept, "" for blank
// lines (its first 120 lines: tokenizing the whole split takes stories260K's tokenizer half a minute).
const wikiRows = readFileSync(WIKITEXT_TEST, 'utf8').split(/(?<=\n)/).slice(0, 120).map((line) => (line.trim() ? line : ''));
const wikiParquet = parquet([{ name: 'text', data: wikiRows }]);

let hub: HubStandIn;
const tmp = mkdtempSync(join(tmpdir(), 'prunelab-hub-data-'));
beforeAll(async () => {
  hub = await startHubStandIn();
  hub.addDataset('Salesforce/wikitext', new Map([[WIKI_FILE, wikiParquet], ['wikitext-103-raw-v1/doc.parquet', parquet([{ name: 'page', data: ['x'] }])]]),
    { revision: REV });
});
afterAll(async () => { await hub.close(); rmSync(tmp, { recursive: true, force: true }); });

const env = () => ({ HF_ENDPOINT: hub.url });

describe('CLI hub: WikiText-2 from Parquet', () => {
  it('ppl --text on Salesforce/wikitext\'s Parquet equals ppl of its rows joined by "\\n\\n", from the Hub and from a local file', async () => {
    const joined = join(tmp, 'wiki-joined.txt');
    writeFileSync(joined, wikiRows.join('\n\n')); // the protocol: "\n\n".join(testdata["text"])
    const localParquet = join(tmp, 'test.parquet');
    writeFileSync(localParquet, wikiParquet);
    const ppl = async (text: string) => {
      // --variant: no matmul autotune (most of a SwiftShader CLI call); all three runs use the same kernel.
      const r = await runCli(['ppl', '--model', STORIES_HF, '--variant', 'blocked16x16', '--text', text, '--seq-len', '64', '--windows', '3', '--json'], env());
      expect(r.code, r.stderr).toBe(0);
      return last(r.stdout);
    };
    const [viaHub, viaFile, plain] = [await ppl(`hf://datasets/Salesforce/wikitext@${REV}/${WIKI_FILE}`), await ppl(localParquet), await ppl(joined)];
    for (const r of [viaHub, viaFile]) {
      expect(r.ppl).toBe(plain.ppl);
      expect(r.textHash).toBe(plain.textHash);
      expect(r.textSource).toMatchObject({ sha256: sha256(wikiParquet), format: 'parquet', column: 'text', rows: wikiRows.length, join: '\n\n' });
    }
    expect(viaHub.textSource.hub).toMatchObject({ id: 'Salesforce/wikitext', revision: REV, file: WIKI_FILE });
    expect(viaFile.textSource.hub).toBeUndefined();
    expect(plain.textSource).toEqual({ file: joined, sha256: plain.textHash, format: 'text' });
  }, 120_000);

  it('a bad reference, a missing file and a missing column are one-line typed errors', async () => {
    const cases: Array<[string[], string]> = [
      [['ppl', '--text', 'hf://Salesforce/wikitext/x.parquet'], 'prunelab: BadHubId: "hf://Salesforce/wikitext/x.parquet" is not a Hub dataset file: '
        + 'data comes from a dataset repository, so the reference starts with datasets/'],
      [['ppl', '--text', `hf://datasets/Salesforce/wikitext@${REV}/nope.parquet`], 'prunelab: HubNotFound: "Salesforce/wikitext" at revision'],
      [['ppl', '--text', `hf://datasets/Salesforce/wikitext@${REV}/wikitext-103-raw-v1/doc.parquet`],
        `prunelab: MissingColumn: hf://datasets/Salesforce/wikitext@${REV}/wikitext-103-raw-v1/doc.parquet has no column "text" (its columns: "page")`],
      [['eval', '--tasks', 'arc_easy', '--data', 'arc_easy=hf://datasets/nobody/nothing/x.parquet'], 'prunelab: HubNotFound: no dataset "nobody/nothing"'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([args[0], '--model', STORIES_HF, ...args.slice(1)], env());
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    }
  });
});
