// The LLM optimizer from the browser: the studio's worker talks to a scripted OpenAI-compatible endpoint on
// loopback (with CORS, as llama.cpp's server answers), uses its good replies, falls back on garbage (shown in
// the panel), and sends the key typed into the password field only as the Authorization header.
import { STORIES_HF, TINYSTORIES_TEXT } from '../test/helpers/fixtures.ts';
import { startChatServer, type ChatServer } from '../test/helpers/chat-server.ts';
import { expect, openWithModel, test } from './fixtures.ts';

const KEY = 'sk-e2e-0123456789';
let server: ChatServer;
test.beforeAll(async () => { server = await startChatServer(); });
test.afterAll(async () => { await server?.close(); });

test('an LLM-driven search runs against a scripted endpoint and records its fallbacks', async ({ page, problems }) => {
  test.setTimeout(600_000);
  const rates = (v: number[]) => ({ content: JSON.stringify({ rates: v }) });
  server.push(
    { content: 'Here you go:\n```json\n{"vectors": [[0.2, 0.25, 0.3, 0.35, 0.4], [0.4, 0.35, 0.3, 0.25, 0.2], [0.1, 0.3, 0.3, 0.4, 0.4]]}\n```' },
    { raw: 'the second layer, I think' }, { status: 500, body: 'overloaded' }, // selection: both fail -> built-in
    rates([0.25, 0.25, 0.3, 0.3, 0.4]), // crossover
    { content: '{"rates": [0.1, NaN, 0.3, 0.3, 0.3]}' }, rates([0.2, 0.2, 0.3, 0.35, 0.45]), // mutation: retried
  );
  await openWithModel(page, STORIES_HF, TINYSTORIES_TEXT, { seqLen: 128, windows: 4 });
  await page.getByTestId('search-method').selectOption('wanda-sp'); // else the method panel's (Wanda on weights)
  await page.getByTestId('search-population').fill('3');
  await page.getByTestId('search-generations').fill('1');
  await page.getByTestId('search-crossovers').fill('1');
  await page.getByTestId('search-mutations').fill('1');
  await page.getByTestId('search-operator-llm').check();
  await page.getByTestId('llm-url').fill(server.url);
  await page.getByTestId('llm-model').fill('scripted-7b');
  await page.getByTestId('llm-key').fill(KEY);
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('search-result')).toContainText('uniform, same parameter count', { timeout: 400_000 });
  await expect(page.getByTestId('generations-caption')).toContainText('2 of 2 generations');
  await expect(page.getByTestId('llm-notes')).toContainText('3 LLM steps fell back or retried');
  await page.getByTestId('llm-notes').locator('summary').click();
  await expect(page.getByTestId('llm-notes')).toContainText('select attempt 2: HTTP 500');
  await expect(page.getByTestId('llm-notes')).toContainText('mutation attempt 1:');
  expect(server.remaining()).toBe(0);
  expect(server.requests).toHaveLength(6);
  for (const r of server.requests) {
    expect(r.authorization).toBe(`Bearer ${KEY}`);
    expect(r.body.model).toBe('scripted-7b');
  }
  expect(server.requests[0].body.messages[1].content).toContain('5 layers');
  expect(page.url()).not.toContain(KEY);
  await expect(page.locator('body')).not.toContainText(KEY);
  await page.locator('.search-card').screenshot({ path: 'e2e/screenshots/studio-search-llm.png' });
  expect(problems.consoleErrors, 'console errors during the LLM search').toEqual([]);
});
