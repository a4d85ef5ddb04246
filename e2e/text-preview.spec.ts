// Dense vs pruned greedy text side by side: the dense column is llama2.c's known stories260K text (200 steps
// from BOS), the column pruned at 50% (Wanda, uniform) differs and the tokens from the first divergence on are
// marked; moving the slider does not regenerate (the pair is marked stale) until Regenerate is pressed.
import { goldenGreedyText, STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { expect, openWithModel, test } from './fixtures.ts';

test('dense column equals the golden text; the 50% column differs from its first divergence on', async ({ page, problems }) => {
  test.setTimeout(600_000); // two 200-step generations and two prunes on a loaded 2-core machine
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: 128, windows: 4, calibWindows: 4 });
  await expect(page.getByTestId('gen-steps-input')).toHaveValue('200');
  const slider = page.getByTestId('sparsity-slider');
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('50% requested', { timeout: 150_000 });
  await expect(page.getByTestId('preview-current')).toHaveText('Wanda · UNIFORM 50%');

  await page.getByTestId('run-preview').click();
  await expect(page.getByTestId('preview-progress')).toBeVisible();
  await expect(page.getByTestId('preview-divergence')).toBeVisible({ timeout: 240_000 });
  const dense = await page.getByTestId('preview-dense-text').textContent();
  const pruned = await page.getByTestId('preview-pruned-text').textContent();
  expect(dense).toBe(goldenGreedyText());
  expect(pruned).not.toBe(dense);
  await expect(page.getByTestId('preview-pruned-title')).toHaveText('pruned: Wanda · UNIFORM 50%');
  await expect(page.getByTestId('preview-dense-title')).toHaveText('dense');
  // Marks start at the same token in both columns, right after the common prefix.
  const marked = await page.getByTestId('preview-pruned-diff').count();
  expect(marked).toBeGreaterThan(0);
  await expect(page.getByTestId('preview-dense-diff').first()).toBeVisible();
  const agree = Number((await page.getByTestId('preview-divergence').textContent())!.match(/agree for (\d+) token/)![1]);
  const densePrefix = dense!.slice(0, dense!.length - (await page.getByTestId('preview-dense-diff').allTextContents()).join('').length);
  const prunedPrefix = pruned!.slice(0, pruned!.length - (await page.getByTestId('preview-pruned-diff').allTextContents()).join('').length);
  expect(prunedPrefix).toBe(densePrefix);
  await expect(page.getByTestId('preview-pruned-diff').first()).toHaveAttribute('title', `token ${agree + 1}`);
  test.info().annotations.push({ type: 'divergence', description: `texts agree for ${agree} tokens; pruned: ${pruned!.slice(0, 120)}…` });
  console.log(`dense vs pruned 50%: texts agree for ${agree} tokens`);

  await page.mouse.move(0, 0);
  const card = page.locator('section[aria-labelledby="preview-heading"]');
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: 'e2e/screenshots/panels-text-preview-light.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await card.screenshot({ path: 'e2e/screenshots/panels-text-preview-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });

  // A slider step re-evaluates perplexity but not the texts: they are marked as made with 50%.
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('prune-protocol')).toContainText('55% requested', { timeout: 150_000 });
  await expect(page.getByTestId('preview-stale')).toContainText('Shown for Wanda · UNIFORM 50%');
  await expect(page.getByTestId('preview-pruned-title')).toHaveText('pruned: Wanda · UNIFORM 50%');
  expect(await page.getByTestId('preview-pruned-text').textContent()).toBe(pruned);
  await page.getByTestId('run-preview').click();
  await expect(page.getByTestId('preview-pruned-title')).toHaveText('pruned: Wanda · UNIFORM 55%', { timeout: 240_000 });
  await expect(page.getByTestId('preview-divergence')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('preview-stale')).toHaveCount(0);
  expect(await page.getByTestId('preview-dense-text').textContent()).toBe(goldenGreedyText());
  // On a narrow screen the columns stack.
  await page.setViewportSize({ width: 420, height: 900 });
  await page.mouse.move(0, 0);
  await card.screenshot({ path: 'e2e/screenshots/panels-text-preview-narrow.png' });
  const [denseBox, prunedBox] = await Promise.all([page.getByTestId('preview-dense').boundingBox(), page.getByTestId('preview-pruned').boundingBox()]);
  expect(prunedBox!.y).toBeGreaterThan(denseBox!.y + denseBox!.height - 1);
  expect(problems.consoleErrors, 'console errors').toEqual([]);
});
