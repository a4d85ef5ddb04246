// Where a CLI data flag's file comes from: a local path, or one file of a Hub dataset (hf://datasets/owner/name
// [@revision]/file, see core/hub/hub-dataset-ref.ts) fetched from $HF_ENDPOINT with $HF_TOKEN when set, into memory
// like hub: models. Text flags (--text, --calib) also read Parquet: the "text" column's rows joined as WikiText-2's
// perplexity protocol joins them (core/formats/parquet-text.ts); and gzip (e.g. the studio's default Hub text,
// wiki.test.raw.gz) is decompressed as the studio's Hub text source does, instead of being read as UTF-8 garbage.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { BadRequest, formatBytes } from '../core/errors.ts';
import { sha256Hex } from '../core/engine/windows.ts';
import { parseHubDatasetRef } from '../core/hub/hub-dataset-ref.ts';
import { fetchHubFile, type HubFileOrigin } from '../core/hub/hub-file.ts';
import { DEFAULT_TEXT_COLUMN, PARQUET_TEXT_JOIN, readParquetText, TextFileError } from '../core/formats/parquet-text.ts';
import { isParquet } from '../core/zeroshot/read-task-file.ts';
import { clip } from '../core/quote.ts';

export interface DataFile {
  bytes: Uint8Array;
  /** The flag's value as given (a path or a Hub reference). */
  name: string;
  /** Set when the file came from the Hub: dataset, revision, path and URL. */
  hub?: HubFileOrigin;
}

/** The bytes of `ref` (`what` names the flag's kind of file in messages, e.g. "task file"). */
export async function readDataFile(ref: string, what: string, env: NodeJS.ProcessEnv = process.env): Promise<DataFile> {
  const hubRef = parseHubDatasetRef(ref);
  if (!hubRef) {
    const bytes = await readFile(ref).catch(() => { throw new BadRequest(`cannot read ${what} ${clip(ref, 200)}`); });
    return { bytes: new Uint8Array(bytes), name: ref };
  }
  const tty = process.stderr.isTTY;
  const got = await fetchHubFile({ base: env.HF_ENDPOINT, token: env.HF_TOKEN, ...hubRef }, 'dataset', {
    onProgress: (p) => { if (tty) process.stderr.write(`\r${p.file}: ${formatBytes(p.loaded)} of ${formatBytes(p.total)}   `); },
  });
  if (tty) process.stderr.write(`\rdownloaded ${got.label}/${got.origin.file} (${formatBytes(got.blob.size)}) in ${got.seconds.toFixed(1)} s\n`);
  return { bytes: new Uint8Array(await got.blob.arrayBuffer()), name: ref, hub: got.origin };
}

/** Where an evaluation or calibration text came from, as results record it. */
export interface TextSource {
  file: string;
  /** SHA-256 of the file's bytes (the text's own hash is the protocol's textHash). */
  sha256: string;
  format: 'text' | 'parquet';
  /** The file was gzip-compressed (its SHA-256 is of the compressed bytes). */
  gzip?: true;
  /** Parquet: the column read, its row count and what joined the rows. */
  column?: string;
  rows?: number;
  join?: typeof PARQUET_TEXT_JOIN;
  hub?: HubFileOrigin;
}

/** A text flag's text: UTF-8 as Node's readFile(path, 'utf8') decodes it, or a Parquet file's text column joined. */
export async function readTextFlag(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<{ text: string; source: TextSource }> {
  const file = await readDataFile(ref, 'text file', env);
  const gzip = file.bytes.length >= 2 && file.bytes[0] === 0x1f && file.bytes[1] === 0x8b;
  let bytes = file.bytes;
  if (gzip) {
    try { bytes = new Uint8Array(gunzipSync(file.bytes)); } catch (e) {
      throw new TextFileError('BadTextFile', `${clip(ref, 200)}: a damaged gzip file (${clip((e as Error).message, 200)})`);
    }
  }
  const base = { file: ref, sha256: await sha256Hex(file.bytes), ...(gzip ? { gzip: true as const } : {}), ...(file.hub ? { hub: file.hub } : {}) };
  if (isParquet(bytes)) {
    const { text, column, rows, join } = await readParquetText(bytes, ref, DEFAULT_TEXT_COLUMN);
    return { text, source: { ...base, format: 'parquet', column, rows, join } };
  }
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), source: { ...base, format: 'text' } };
}
