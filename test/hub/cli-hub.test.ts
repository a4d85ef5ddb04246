// `--model hub:owner/name[@revision]` in the CLI: the same Hub source against the stand-in ($HF_ENDPOINT), and
// one real `prunelab ppl` run that must give the same perplexity as the fixture folder.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { pathSources } from '../../src/core/formats/node-file-source.ts';
import { modelSources } from '../../src/cli/model-sources.ts';
import { STORIES_HF, TINYSTORIES_TEXT } from '../helpers/fixtures.ts';
import { filesFromDir, type HubStandIn, startHubStandIn } from '../helpers/hub-stand-in.ts';

let hub: HubStandIn;
beforeAll(async () => {
  hub = await startHubStandIn();
  hub.addModel('karpathy/stories260K', filesFromDir(STORIES_HF), { revision: 'v1' });
});
afterAll(() => hub.close());

const ppl = (model: string) => runCli(['ppl', '--model', model, '--text', TINYSTORIES_TEXT, '--seq-len', '64', '--windows', '1', '--json'],
  { HF_ENDPOINT: hub.url }).then((r) => {
  if (r.code !== 0) throw new Error(`prunelab ppl exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ppl: number; modelHash: string };
});

describe('CLI hub: models', () => {
  it('hub:owner/name@revision reads through the Hub source at $HF_ENDPOINT; a path stays a path', async () => {
    const fromHub = await loadModel(await modelSources('hub:karpathy/stories260K@v1', { HF_ENDPOINT: hub.url }));
    const fromDisk = await loadModel(await pathSources(STORIES_HF));
    expect(fromHub.fingerprint).toBe(fromDisk.fingerprint);
    expect(hub.downloads().every((p) => p.includes('/resolve/v1/') || p.startsWith('/cdn-lfs/'))).toBe(true);
    const e = await modelSources('hub:karpathy/stories260K', { HF_ENDPOINT: hub.url }).catch((x) => x);
    expect(e.code).toBe('HubNotFound'); // no revision main there
    const p = await modelSources('/no/such/dir').catch((x) => x);
    expect(p.message).toContain('model path not found: /no/such/dir');
  });

  it('prunelab ppl --model hub:... equals the same model from its folder', async () => {
    const [viaHub, viaDisk] = [await ppl('hub:karpathy/stories260K@v1'), await ppl(STORIES_HF)];
    expect(viaHub.modelHash).toBe(viaDisk.modelHash);
    expect(viaHub.ppl).toBe(viaDisk.ppl);
  }, 240_000);
});
