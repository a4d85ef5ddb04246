// The studio's delivery of an export (CPU only): a zip streamed into a Blob holds exactly the files a plain folder
// export gets (unzipped with fflate, byte for byte); the zip refuses to cross its size limit with a clear error;
// byte progress reaches the exact total read from the safetensors header and cancel stops the export; the File
// System Access folder target (a fake directory handle) writes the same files into a fresh subfolder and
// discards a half-written file on abort.
import { unzipSync } from 'fflate';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/core/formats/load-model.ts';
import { blobSink } from '../../src/core/export/blob-sink.ts';
import { MemoryTarget, type ExportTarget } from '../../src/core/export/byte-sink.ts';
import { directoryHandleTarget, freshSubfolder, type DirectoryHandleLike, type WritableLike } from '../../src/core/export/directory-handle-target.ts';
import { exportPrunedModel } from '../../src/core/export/export-model.ts';
import type { KeepMasks } from '../../src/core/export/keep-masks.ts';
import { progressTarget, type ExportProgress } from '../../src/core/export/progress-target.ts';
import { zipTarget } from '../../src/core/export/zip-target.ts';
import { randomModelSources } from '../../src/core/model/random-model.ts';
import type { ModelSpec } from '../../src/core/model/spec.ts';

const spec: ModelSpec = {
  architecture: 'llama', hiddenSize: 64, intermediateSize: 160, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16,
  vocabSize: 96, maxPositions: 64, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};

/** Seeded masks with about half of every linear map kept (the same bits for the same seed). */
function randomMasks(seed: number): KeepMasks {
  const rng = xoroshiro128plus(seed);
  return {
    async bits(name, N, K) {
      if (!name.endsWith('_proj.weight')) return null;
      return Uint32Array.from({ length: N * Math.ceil(K / 32) }, () => rng.next() >>> 0);
    },
  };
}

async function exportTo(target: ExportTarget) {
  const sources = randomModelSources(spec, { seed: 3, dtype: 'F32' });
  const model = await loadModel(sources, { requireTokenizer: false });
  return exportPrunedModel({ model, format: 'masked', masks: randomMasks(9), sources, target });
}

/** A directory handle kept in memory: files become visible only when their stream closes, like the real API. */
class FakeDir implements DirectoryHandleLike {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Map<string, FakeDir>();
  aborted: string[] = [];
  constructor(readonly name: string) {}

  async getDirectoryHandle(name: string, opts?: { create?: boolean }) {
    let d = this.dirs.get(name);
    if (!d) {
      if (!opts?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
      d = new FakeDir(name);
      this.dirs.set(name, d);
    }
    return d;
  }

  async getFileHandle(name: string, opts?: { create?: boolean }) {
    if (!this.files.has(name) && !opts?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    return {
      createWritable: async (): Promise<WritableLike> => {
        const chunks: Uint8Array[] = [];
        return {
          write: async (c) => { chunks.push(c); },
          close: async () => { this.files.set(name, concat(chunks)); },
          abort: async () => { this.aborted.push(name); },
        };
      },
    };
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

describe('zip delivery', () => {
  it('a zip streamed into a Blob unzips to exactly the files of a folder export', async () => {
    const folder = new MemoryTarget();
    const plain = await exportTo(folder);
    const sink = blobSink('application/zip', 4096); // small parts: the Blob is assembled from many
    const zip = zipTarget(sink);
    const zipped = await exportTo(zip);
    await zip.finish();
    const blob = sink.blob();
    expect(blob.type).toBe('application/zip');
    expect(blob.size).toBe(zip.bytes);
    const entries = unzipSync(new Uint8Array(await blob.arrayBuffer()));
    expect(Object.keys(entries).sort()).toEqual([...folder.files.keys()].sort());
    for (const name of folder.files.keys()) expect(entries[name], name).toEqual(folder.bytes(name));
    expect(zipped.files).toEqual(plain.files);
    // The zip stores: it is the files plus headers, not a compressed copy.
    const payload = plain.files.reduce((n, f) => n + f.bytes, 0);
    expect(blob.size).toBeGreaterThan(payload);
    expect(blob.size).toBeLessThan(payload + 1024);
  });

  it('refuses to grow past its limit with an error that says to export to a folder', async () => {
    const sink = blobSink('application/zip');
    await expect(exportTo(zipTarget(sink, { limitBytes: 50_000 }))).rejects.toMatchObject({
      code: 'BadRequest', message: expect.stringMatching(/zip would exceed 48\.8 KiB .* while writing model\.safetensors.*export to a folder/),
    });
  });

  it('one file at a time: a second create() while one is open is refused', async () => {
    const zip = zipTarget(blobSink('application/zip'));
    await zip.create('a.txt');
    await expect(zip.create('b.txt')).rejects.toThrow(/a\.txt is still open/);
  });
});

describe('progress and cancel', () => {
  it('reports bytes up to the exact total, known from the first chunk of model.safetensors', async () => {
    const seen: ExportProgress[] = [];
    const folder = new MemoryTarget();
    const summary = await exportTo(progressTarget(folder, undefined, (p) => seen.push(p)));
    const total = summary.files.reduce((n, f) => n + f.bytes, 0);
    const weights = summary.files.find((f) => f.name === 'model.safetensors')!.bytes;
    expect(seen[0]).toMatchObject({ file: 'model.safetensors', totalBytes: weights });
    expect(seen.at(-1)).toEqual({ file: seen.at(-1)!.file, bytes: total, totalBytes: total });
    for (let i = 1; i < seen.length; i++) expect(seen[i].bytes).toBeGreaterThan(seen[i - 1].bytes);
  });

  it('an aborted signal stops the export with Cancelled at the next write', async () => {
    const controller = new AbortController();
    let writes = 0;
    const target = progressTarget(new MemoryTarget(), controller.signal, () => { if (++writes === 3) controller.abort(); });
    await expect(exportTo(target)).rejects.toMatchObject({ code: 'Cancelled', message: expect.stringContaining('model.safetensors') });
    expect(writes).toBe(3);
  });
});

describe('File System Access folder', () => {
  it('writes the export into a fresh subfolder (numbered when the name is taken), the same bytes as in memory', async () => {
    const root = new FakeDir('Downloads');
    await root.getDirectoryHandle('model-pruned', { create: true });
    const sub = await freshSubfolder(root, 'model-pruned');
    expect(sub.name).toBe('model-pruned-2');
    await exportTo(directoryHandleTarget(sub));
    const folder = new MemoryTarget();
    await exportTo(folder);
    const written = root.dirs.get('model-pruned-2')!.files;
    expect([...written.keys()].sort()).toEqual([...folder.files.keys()].sort());
    for (const name of folder.files.keys()) expect(written.get(name), name).toEqual(folder.bytes(name));
    expect(root.dirs.get('model-pruned')!.files.size).toBe(0);
  });

  it('abort() discards the file being written; closed files stay', async () => {
    const dir = new FakeDir('out');
    const target = directoryHandleTarget(dir);
    const done = await target.create('config.json');
    await done.write(new TextEncoder().encode('{}'));
    await done.close();
    const half = await target.create('model.safetensors');
    await half.write(new Uint8Array(16));
    await target.abort('cancelled');
    expect(dir.aborted).toEqual(['model.safetensors']);
    expect([...dir.files.keys()]).toEqual(['config.json']);
  });
});
