// Documents from a Parquet file (the Hub's datasets are served as Parquet, refs/convert/parquet), read with hyparquet.
// Structs arrive as objects and lists as arrays, so a row has the same shape as the dataset's JSON export; int64
// columns arrive as bigint (the field readers accept it).
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { clip } from '../quote.ts';
import type { TaskDocument } from './task-documents.ts';
import { TaskDataError } from './task-errors.ts';

/** Up to `limit` rows (all when undefined) of the Parquet file `bytes`, named `file` in messages. */
export async function readParquetDocuments(bytes: Uint8Array, file: string, limit?: number): Promise<TaskDocument[]> {
  // hyparquet reads an ArrayBuffer-like file: give it exactly these bytes.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(buffer);
    const total = Number(metadata.num_rows);
    rows = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: limit === undefined ? total : Math.min(limit, total) });
  } catch (e) {
    throw new TaskDataError('BadTaskFile', `${clip(file, 200)}: not a readable Parquet file (${clip(String(e instanceof Error ? e.message : e), 200)})`);
  }
  return rows.map((doc, i) => ({ doc, at: { file, index: i + 1, unit: 'row' } }));
}
