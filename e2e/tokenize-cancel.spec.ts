// Cancel stops a Hugging Face tokenization in progress (issue 16 §4): the studio worker encodes evaluation text in a
// tokenizer worker of its own (docs/design.md §8), so Cancel ends it at once instead of after the encode. The model is
// stories260K with a tokenizer.json whose Split regex passes the load checks but backtracks as n^4 on a run of "a"s
// (200 take 4 s, the 20,000 here would take days). Afterwards the same page evaluates a normal text, with the
// token count the same tokenizer gives in Node.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenizer } from '../src/core/formats/hf-tokenizer.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { expect, openWithModel, test } from './fixtures.ts';

test('cancelling a long HF tokenization ends it at once; the studio then evaluates a normal text', async ({ page, problems }) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'prunelab-e2e-tokenize-'));
  try {
    for (const f of readdirSync(STORIES_HF)) copyFileSync(join(STORIES_HF, f), join(dir, f));
    const tokenizerJson = JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer.json'), 'utf8'));
    tokenizerJson.pre_tokenizer = { type: 'Split', pattern: { Regex: 'a*a*a*a*b' }, behavior: 'Isolated', invert: false };
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
    const stuck = join(dir, 'aaaa.txt');
    writeFileSync(stuck, `Once upon a time ${'a'.repeat(20_000)}\n`);

    await openWithModel(page, dir, stuck, { seqLen: 64, windows: 2 });
    await page.getByTestId('run-ppl').click();
    await expect(page.getByTestId('ppl-progress')).toContainText('Tokenizing');
    await page.waitForTimeout(1_500); // well inside the encode
    const t0 = Date.now();
    await page.getByTestId('cancel-ppl').click();
    await expect(page.getByTestId('ppl-cancelled')).toBeVisible({ timeout: 10_000 });
    const cancelMs = Date.now() - t0;
    console.log(`tokenization cancelled in ${cancelMs} ms`);
    expect(cancelMs).toBeLessThan(10_000);

    // The worker is free: a normal text runs, tokenized (in a fresh tokenizer worker) to Node's in-process ids.
    const config = JSON.parse(readFileSync(join(STORIES_HF, 'tokenizer_config.json'), 'utf8'));
    const text = readFileSync(TINYSTORIES_TEXT, 'utf8');
    const tokens = new HfTokenizer(tokenizerJson, config, 1, 2).encode(text).length + 1; // + BOS
    await page.getByTestId('text-file-input').setInputFiles(TINYSTORIES_TEXT);
    await page.getByTestId('run-ppl').click();
    await expect(page.getByTestId('ppl-value')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('ppl-protocol')).toContainText(`(${tokens.toLocaleString('en-US')} tokens)`);
    await expect(page.getByTestId('ppl-windows')).toHaveText('2 × 64');
    expect(problems.consoleErrors, 'console errors').toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
