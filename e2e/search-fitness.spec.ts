// The search's zero-shot fitness end to end: a tiny structured search on stories260K scored by 1 - mean acc_norm on
// the Zero-shot panel's fixture tasks (first 6 documents each) ends with the same best, uniform and dense zero-shot
// errors as `prunelab search --fitness zeroshot` on the same windows, seed and files; the result and chart say
// "zero-shot error"; the page's share link carries the fitness with the task names and data hashes; applying the best
// on the slider saves a run whose history row names the fitness; screenshots.
import { fixture, STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { decodeConfig, payloadFromHash } from '../src/state/share-codec.ts';
import { cliSearch } from './cli-reference.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const SEQ_LEN = 64, WINDOWS = 2, CALIB_WINDOWS = 2, LIMIT = 6;
const SEARCH = { target: 0.3, population: 2, generations: 1, crossovers: 0, mutations: 1, seed: 0 };
const TASKS = { hellaswag: fixture('tasks/tinystories-hellaswag.jsonl'), arc_easy: fixture('tasks/tinystories-arc.jsonl') };

test('a zero-shot-fitness search equals prunelab search --fitness zeroshot', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const started = Date.now();
  const reference = cliSearch(STORIES_HF, TINYSTORIES_TEXT,
    { ...SEARCH, seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS, zeroShot: { tasks: TASKS, limit: LIMIT } });
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: SEQ_LEN, windows: WINDOWS, calibWindows: CALIB_WINDOWS });

  const search = page.locator('.search-card');
  // Before any task file is picked the zero-shot fitness says where to pick them.
  await search.getByTestId('search-fitness-zeroshot').check();
  await expect(search.getByTestId('search-fitness-tasks')).toHaveText('Pick the tasks and their files in the Zero-shot panel.');

  const zs = page.getByTestId('zero-shot-panel');
  for (const [task, file] of Object.entries(TASKS)) {
    await zs.getByTestId(`zs-file-${task}`).setInputFiles(file);
    await expect(zs.getByTestId(`zs-file-info-${task}`)).toContainText(/\d+ docs · sha256/);
  }
  await zs.getByTestId('zs-limit').fill(String(LIMIT));

  await search.getByTestId('search-method').selectOption('wanda-sp');
  await search.getByTestId('search-target').fill(String(SEARCH.target * 100));
  for (const k of ['population', 'generations', 'crossovers', 'mutations', 'seed'] as const) {
    await search.getByTestId(`search-${k}`).fill(String(SEARCH[k]));
  }
  await expect(search.getByTestId('search-fitness-caption')).toHaveText('fitness = zero-shot error on hellaswag, arc_easy');
  await expect(search.getByTestId('search-fitness-tasks')).toContainText(`hellaswag, arc_easy, first ${LIMIT} documents each`);
  await search.getByTestId('run-search').click();
  await expect(search.getByTestId('search-result')).toContainText('uniform, same parameter count', { timeout: 150_000 });
  await expect(search.getByTestId('search-result')).toContainText('best zero-shot error');

  const value = async (id: string) => Number(await search.getByTestId(id).getAttribute('data-value'));
  const [best, uniform, dense] = [await value('search-best-fitness'), await value('search-uniform-fitness'), await value('search-dense-fitness')];
  const cli = await reference;
  const note = `studio best ${best} uniform ${uniform} dense ${dense}; CLI best ${cli.best.fitness} uniform ${cli.uniform.fitness} dense ${cli.denseFitness}`;
  test.info().annotations.push({ type: 'search-fitness', description: `${note}; ${((Date.now() - started) / 1000).toFixed(0)} s` });
  console.log(note);
  expect(cli.fitness).toBe('zeroshot');
  // Zero-shot errors are fractions of documents: the same scoring gives the same numbers exactly.
  expect(best).toBe(cli.best.fitness);
  expect(uniform).toBe(cli.uniform.fitness);
  expect(dense).toBe(cli.denseFitness);
  for (const x of [best, uniform, dense]) expect(x).toBeGreaterThanOrEqual(0), expect(x).toBeLessThanOrEqual(1);
  const chart = search.getByTestId('generations-chart');
  await expect(chart).toContainText('Zero-shot error per generation');
  await expect(chart).not.toContainText('perplexity (log)');
  await expect(chart.locator('.recharts-scatter-symbol')).toHaveCount(cli.evaluations);

  // The page's link: the fitness, the task names and each file's SHA-256 (never the data).
  await expect.poll(async () => {
    const decoded = decodeConfig(payloadFromHash(await page.evaluate(() => location.hash)) ?? '');
    return decoded.ok ? { fitness: decoded.config.search.fitness, tasks: decoded.config.zeroShot?.tasks.map((t) => [t.name, t.hash?.length]) } : null;
  }).toEqual({ fitness: 'zeroshot', tasks: [['hellaswag', 64], ['arc_easy', 64]] });

  await search.scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await search.screenshot({ path: 'e2e/screenshots/studio-search-zero-shot.png' });

  // Applied on the slider, the best vector's run is saved saying which fitness chose it (its perplexity is its own).
  await search.getByTestId('apply-best').click();
  const history = page.getByTestId('run-history');
  await expect(history.getByTestId('history-row').first()).toContainText('Wanda-sp · heads+channels · evolved', { timeout: 60_000 });
  await expect(history.getByTestId('history-search-fitness').first()).toHaveText(
    ` · searched on zero-shot error (hellaswag, arc_easy; first ${LIMIT} documents)`, { timeout: 60_000 });
  await expect(history.getByTestId('history-search-fitness').first()).toHaveAttribute('data-fitness', 'zeroshot');
  await history.scrollIntoViewIfNeeded();
  await history.screenshot({ path: 'e2e/screenshots/run-history-search-fitness.png' });
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
