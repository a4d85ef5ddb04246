// Perplexity text from Parquet (fast tier): rows joined by "\n\n" as the WikiText-2 protocol joins them, only the
// named column read, and typed errors for a missing column, non-string values and a file that is not Parquet.
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readParquetText } from './parquet-text.ts';

// Salesforce/wikitext's layout: one row per line of wiki.*.raw, the newline kept, blank lines as "".
const WIKI_ROWS = ['', ' = Robert Boulter = \n', '', ' Robert Boulter is an English actor . \n', ''];
const parquet = (columns: Array<{ name: string; data: unknown[] }>) => new Uint8Array(parquetWriteBuffer({ columnData: columns }));

describe('Parquet text', () => {
  it('joins the text column\'s rows with "\\n\\n" (gptq / sparsegpt / wanda: "\\n\\n".join(testdata["text"]))', async () => {
    const file = parquet([{ name: 'id', data: [1n, 2n, 3n, 4n, 5n] }, { name: 'text', data: WIKI_ROWS }]);
    const r = await readParquetText(file, 'test-00000-of-00001.parquet');
    expect(r.text).toBe('\n\n = Robert Boulter = \n\n\n\n\n Robert Boulter is an English actor . \n\n\n');
    expect(r).toMatchObject({ column: 'text', rows: 5, join: '\n\n' });
    const other = await readParquetText(parquet([{ name: 'page', data: ['a', 'b'] }, { name: 'text', data: ['x', 'y'] }]), 'p.parquet', 'page');
    expect(other.text).toBe('a\n\nb');
  });

  it('a missing column, a non-string value and a non-Parquet file are one-line typed errors', async () => {
    const noText = parquet([{ name: 'page', data: ['a'] }, { name: 'title', data: ['t'] }]);
    await expect(readParquetText(noText, 'doc.parquet')).rejects.toMatchObject({
      code: 'MissingColumn', message: 'doc.parquet has no column "text" (its columns: "page", "title")' });
    await expect(readParquetText(parquet([{ name: 'text', data: ['a', null, 'c'] }]), 'nulls.parquet')).rejects.toMatchObject({
      code: 'BadTextFile', message: 'nulls.parquet row 2: column "text" holds null, not a string' });
    await expect(readParquetText(parquet([{ name: 'text', data: [1, 2] }]), 'ints.parquet')).rejects.toMatchObject({ code: 'BadTextFile' });
    await expect(readParquetText(new TextEncoder().encode('plain text, not parquet'), 'wiki.txt')).rejects.toMatchObject({
      code: 'BadTextFile', message: expect.stringMatching(/^wiki\.txt: not a readable Parquet file \(/) });
  });
});
