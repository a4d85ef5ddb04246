// Where a CLI command's --model comes from: a folder or file path, or `hub:owner/name[@revision]` downloaded
// (into memory, no cache) from the Hub at $HF_ENDPOINT (default https://huggingface.co) with $HF_TOKEN when set,
// through the same Hub source as the studio.
import { stat } from 'node:fs/promises';
import { BadRequest, formatBytes } from '../core/errors.ts';
import type { ByteSource } from '../core/formats/byte-source.ts';
import { pathSources } from '../core/formats/node-file-source.ts';
import { splitRepoInput } from '../core/hub/hub-id.ts';
import { downloadHubModel } from '../core/hub/hub-model.ts';

export const HUB_PREFIX = 'hub:';

export async function modelSources(modelPath: string, env: NodeJS.ProcessEnv = process.env): Promise<ByteSource[]> {
  if (modelPath.startsWith(HUB_PREFIX)) {
    const { id, revision } = splitRepoInput(modelPath.slice(HUB_PREFIX.length));
    const tty = process.stderr.isTTY;
    const { sources, report } = await downloadHubModel({ base: env.HF_ENDPOINT, id, revision, token: env.HF_TOKEN }, {
      onProgress: (p) => { if (tty) process.stderr.write(`\r${p.file}: ${formatBytes(p.loaded)} of ${formatBytes(p.total)}   `); },
    });
    if (tty) process.stderr.write(`\rdownloaded ${report.label} (${formatBytes(report.bytes)}) in ${report.seconds.toFixed(1)} s\n`);
    return sources;
  }
  await stat(modelPath).catch(() => { throw new BadRequest(`model path not found: ${modelPath} (a Hub model is written hub:owner/name)`); });
  return pathSources(modelPath);
}
