// prunelab search as a user runs it: the --json contract and progress lines, resuming from --state, the LLM
// optimizer against a scripted local chat-completions server (with the key in an environment variable), and
// one-line errors for impossible requests.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { startChatServer, type ChatServer } from '../helpers/chat-server.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env);
const base = ['search', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--calib', TINYSTORIES_TEXT,
  '--calib-offset', '100000', '--calib-windows', '2', '--seq-len', '64', '--windows', '2', '--target', '0.3',
  '--population', '4', '--generations', '1', '--crossovers', '2', '--mutations', '2'];
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const dir = mkdtempSync(join(tmpdir(), 'prunelab-search-'));

let server: ChatServer;
beforeAll(async () => { server = await startChatServer(); });
afterAll(async () => { await server?.close(); });

describe('prunelab search', () => {
  it('--json: best vector at mean = target, uniform perplexity, generations, operator counts; progress on stderr; --state resumes', async () => {
    const state = join(dir, 'ga.json');
    const r = await run([...base, '--seed', '3', '--state', state, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^generation 0\/1: best \d+\.\d{4} mean \d+\.\d{4} \(4 evaluations, [\d.]+ s\) best rates \[/m);
    expect(r.stderr).toMatch(/^generation 1\/1: best /m);
    const out = last(r.stdout);
    expect(out.best.rates).toHaveLength(5);
    expect(Math.abs(mean(out.best.rates) - 0.3)).toBeLessThan(1e-9);
    expect(out.best.ppl).toBeLessThanOrEqual(out.uniformPpl); // the uniform vector is in the initial population
    expect(out.uniformPpl).toBeGreaterThan(out.densePpl);
    expect(out.generations.map((g: { generation: number }) => g.generation)).toEqual([0, 1]);
    expect(out.generations[1].best).toBeLessThanOrEqual(out.generations[0].best);
    expect(out.operatorCounts['ga-init-uniform']).toBe(1);
    expect(out.operatorCounts['ga-init-owl']).toBe(1);
    expect(out.operatorCounts['ga-mutation']).toBe(2);
    expect(out.config.pMax).toBeCloseTo(0.625, 5);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved.done).toBe(true);
    expect(saved.history).toHaveLength(8);
    // The finished state resumes to the same answer without evaluating anything new.
    const again = await run([...base, '--seed', '3', '--state', state, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`resuming ${state}: generation 2, 8 individuals`);
    expect(last(again.stdout).best).toEqual(out.best);
    // A state made under another protocol is refused, naming what differs.
    const other = await run([...base.map((a) => (a === '64' ? '32' : a)), '--state', state]);
    expect(other.code).toBe(1);
    expect(other.stderr.trim()).toBe(`prunelab: BadRequest: --state ${state} was made with seqLen = 64, this run has 32: `
      + 'resume with the same model, texts and options');
  }, 900_000);

  it('--operator llm: uses the scripted replies, falls back on garbage, sends the key only as a header', async () => {
    const key = 'sk-test-0123456789abcdef';
    const vec = (v: number[]) => ({ content: JSON.stringify({ rates: v }) });
    server.reset();
    server.push(
      { content: JSON.stringify({ vectors: [[0.2, 0.25, 0.3, 0.35, 0.4], [0.4, 0.35, 0.3, 0.25, 0.2], [0.3, 0.3, 0.3, 0.3, 0.3], [0.1, 0.3, 0.3, 0.4, 0.4]] }) },
      { raw: 'I think the second layer matters most.' }, { content: '{"pairs": [[0, 9]], "mutate": []}' }, // select: fallback
      vec([0.25, 0.25, 0.3, 0.35, 0.35]), // crossover 1
      { status: 500, body: 'overloaded' }, { content: 'Sure! ```json\n{"rates": [0.2, 0.3, 0.3, 0.3, 0.4]}\n```' }, // crossover 2
      vec([0.15, 0.3, 0.3, 0.4, 0.35]), { content: '{"rates": [0.1, NaN, 0.3, 0.3, 0.3]}' }, vec([0.2, 0.2, 0.3, 0.4, 0.4]),
    );
    const state = join(dir, 'llm.json');
    const r = await run([...base, '--operator', 'llm', '--llm-url', server.url, '--llm-model', 'scripted-7b',
      '--llm-key-env', 'PRUNELAB_TEST_KEY', '--state', state, '--json'], { PRUNELAB_TEST_KEY: key });
    expect(r.code, r.stderr).toBe(0);
    const out = last(r.stdout);
    expect(out.operatorCounts['llm-init']).toBe(4);
    expect(out.operatorCounts['llm-crossover']).toBe(2);
    expect(out.operatorCounts['llm-mutation']).toBe(2);
    expect(out.operatorCounts['fallback:select']).toBe(1);
    expect(server.remaining()).toBe(0);
    expect(server.requests).toHaveLength(9);
    expect(server.requests.every((q) => q.authorization === `Bearer ${key}` && q.body.model === 'scripted-7b')).toBe(true);
    expect(r.stderr).toContain('llm select attempt 1:');
    for (const text of [r.stdout, r.stderr, readFileSync(state, 'utf8')]) expect(text).not.toContain(key);
    expect(Math.abs(mean(out.best.rates) - 0.3)).toBeLessThan(1e-9);
  }, 900_000);

  it('impossible requests are one-line errors', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--target', '0.7'], {}, 'target 0.7 is outside [0, p_max = 0.624999]'],
      [['--structured', 'flop'], {}, 'unknown --structured "flop" (expected wanda-sp, magnitude-sp, flap)'],
      [['--operator', 'llm'], {}, '--operator llm needs --llm-url URL and --llm-model NAME'],
      [['--operator', 'llm', '--llm-url', 'not a url', '--llm-model', 'm'], {}, 'is not an http(s) URL'],
      [['--operator', 'llm', '--llm-url', 'http://127.0.0.1:9', '--llm-model', 'm', '--llm-key-env', 'PRUNELAB_UNSET_KEY'], {},
        'PRUNELAB_UNSET_KEY: that environment variable is not set'],
      [['--population', '1'], {}, 'population must be an integer >= 2'],
    ];
    for (const [extra, env, message] of cases) {
      const args = [...base];
      for (let i = 0; i < extra.length; i += 2) {
        const at = args.indexOf(extra[i]);
        if (at >= 0) args[at + 1] = extra[i + 1]; else args.push(extra[i], extra[i + 1]);
      }
      const r = await run(args, env);
      expect(r.code, extra.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
  }, 900_000);
});
