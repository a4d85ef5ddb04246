// Evaluation text from a Hub dataset repository: one file at {base}/datasets/{dataset}/resolve/{revision}/{file},
// cached like model files. A gzip file (recognised by its magic bytes, e.g. wiki.test.raw.gz) is decompressed; a
// Parquet split (by its magic, e.g. Salesforce/wikitext's) is its "text" column joined as parquet-text.ts states.
import { HubError } from './hub-errors.ts';
import { fetchHubFile } from './hub-file.ts';
import { DEFAULT_TEXT_COLUMN, readParquetText, type ParquetText } from '../formats/parquet-text.ts';
import { isParquet } from '../zeroshot/read-task-file.ts';
import type { HubDownloadOptions } from './hub-model.ts';

/**
 * Default: the WikiText-2 raw test split (wiki.test.raw, 4,358 lines) as llama.cpp's perplexity guides fetch it.
 * Salesforce/wikitext itself only ships parquet files.
 */
export const DEFAULT_TEXT_SOURCE = {
  dataset: 'ikawrakow/validation-datasets-for-llama.cpp',
  file: 'wiki.test.raw.gz',
  revision: 'main',
} as const;

export interface HubTextRequest {
  base?: string;
  dataset: string;
  file: string;
  revision?: string;
  token?: string;
}

export interface HubTextResult {
  text: string;
  /** The file name without .gz, e.g. wiki.test.raw. */
  name: string;
  url: string;
  /** "owner/name" or "owner/name@revision" of the dataset. */
  label: string;
  /** Size of the stored file (compressed when gzip). */
  fileBytes: number;
  gzip: boolean;
  /** Set for a Parquet file: the column read, its rows and what joined them. */
  parquet?: Omit<ParquetText, 'text'>;
  fromCache: boolean;
  downloadedBytes: number;
  /** Seconds to get the file (request + transfer, or the cache read), before decompressing and decoding. */
  seconds: number;
}

export async function fetchHubText(req: HubTextRequest, opts: HubDownloadOptions = {}): Promise<HubTextResult> {
  const got = await fetchHubFile({ base: req.base, id: req.dataset, revision: req.revision, file: req.file, token: req.token }, 'dataset', opts);
  const { blob, fromCache, seconds, origin: { url, file } } = got;
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  let raw = bytes;
  if (gzip) {
    try {
      raw = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    } catch (e) {
      throw new HubError('HubNetworkError', `${url} is a damaged gzip file (${(e as Error).message}); clear the cache and fetch it again.`, url);
    }
  }
  let parquet: Omit<ParquetText, 'text'> | undefined;
  let text: string;
  if (isParquet(raw)) {
    const read = await readParquetText(raw, url, DEFAULT_TEXT_COLUMN);
    ({ text } = read);
    parquet = { column: read.column, rows: read.rows, join: read.join };
  } else {
    // Like Node's readFile(path, 'utf8'): a BOM stays, invalid bytes become U+FFFD (same text hash as the CLI).
    text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(raw);
  }
  const base = file.split('/').pop()!;
  return {
    text,
    name: gzip ? base.replace(/\.gz$/i, '') : base,
    url,
    label: got.label,
    fileBytes: blob.size,
    gzip,
    ...(parquet ? { parquet } : {}),
    fromCache,
    downloadedBytes: got.downloadedBytes,
    seconds,
  };
}
