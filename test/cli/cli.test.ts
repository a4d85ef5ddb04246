// The prunelab CLI as a user runs it: JSON output of ppl, golden generation, and one-line typed errors.
// The first and the usage-error tests spawn bin/prunelab.mjs (the real process: bin script, argv, exit code);
// the rest call the same main() in-process (test/helpers/cli.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { corruptCases } from '../helpers/corrupt-models.ts';
import { goldenGreedyText, STORIES_HF, STORIES_LLAMA2C, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';

const bin = resolve(__dirname, '../../bin/prunelab.mjs');
const spawnCli = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)('node', [bin, ...args], { timeout: 60_000, env: { ...process.env, ...env } })
  .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
  .catch((e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string, killed: e.killed as boolean }));

const run = (args: string[]) => runCli(args);

describe('prunelab CLI', () => {
  it('ppl --json prints one JSON object on the last line with the protocol', async () => {
    const r = await spawnCli(['ppl', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT, '--seq-len', '128', '--windows', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.windows).toBe(2);
    expect(out.seqLen).toBe(128);
    expect(out.tokens).toBe(2 * 127);
    expect(out.ppl).toBeCloseTo(Math.exp(out.nll), 10);
    expect(out.ppl).toBeGreaterThan(2);
    expect(out.ppl).toBeLessThan(8);
    expect(out.tokensPerSecond).toBeGreaterThan(0);
    expect(out.adapter.vendor).toBeTypeOf('string');
    expect(out.adapter.architecture).toBeTypeOf('string');
    expect(out.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.textHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('generate prints only the generated text (llama2.c checkpoint)', async () => {
    const r = await run(['generate', '--model', STORIES_LLAMA2C, '--steps', '200']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(goldenGreedyText());
  });

  it('--help after a command prints the usage and exits 0', async () => {
    const r = await run(['prune', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage:/);
    expect(r.stdout).toContain('--structured wanda-sp|magnitude-sp|flap');
  });

  it('usage errors are one line with a non-zero exit', async () => {
    const r = await spawnCli(['ppl', '--text', TINYSTORIES_TEXT]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--model is required/);
  });

  it('without a usable Vulkan driver, says what Node needs (not the browser advice)', async () => {
    const r = await spawnCli(['ppl', '--model', STORIES_HF, '--text', TINYSTORIES_TEXT], { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(r.code).not.toBe(0);
    // The Vulkan loader may print its own warning first; ours is one line of its own.
    expect(r.stderr).toMatch(/^prunelab: WebGPUUnavailable: .*no Vulkan adapter was found \(VK_ICD_FILENAMES=\/nonexistent\/icd.json\)/m);
    expect(r.stderr).toMatch(/apt-get install -y chromium libvulkan1/);
    expect(r.stderr).not.toMatch(/Chrome\/Edge/);
  });

  describe('corrupt models give one typed line on stderr, non-zero exit, no stack, no hang', () => {
    for (const c of corruptCases()) {
      it(c.name, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'prunelab-corrupt-'));
        const model = join(dir, 'model');
        mkdirSync(model);
        for (const [name, bytes] of Object.entries(c.files)) writeFileSync(join(model, name), bytes);
        const r = await run(['ppl', '--model', model, '--text', TINYSTORIES_TEXT, '--windows', '1']);
        expect((r as { killed?: boolean }).killed ?? false).toBe(false);
        expect(r.code).not.toBe(0);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(c.code);
        expect(lines[0]).toMatch(c.message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });
    }
  });
});
