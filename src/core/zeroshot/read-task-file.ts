// A task file's documents by its format: Parquet (by the "PAR1" magic, whatever its name) or JSON Lines. The first
// `limit` documents are taken, in file order (lm-eval's --limit; no shuffling, so no seed).
import { clip } from '../quote.ts';
import { parseJsonlDocuments } from './jsonl-documents.ts';
import { readParquetDocuments } from './parquet-documents.ts';
import type { TaskDocument } from './task-documents.ts';
import { TaskDataError } from './task-errors.ts';

const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

export const isParquet = (bytes: Uint8Array): boolean => bytes.length >= 8 && PARQUET_MAGIC.every((b, i) => bytes[i] === b);

export async function readTaskFile(bytes: Uint8Array, file: string, limit?: number): Promise<TaskDocument[]> {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new TaskDataError('BadTaskFile', `limit must be a positive integer (got ${limit})`);
  }
  let docs: TaskDocument[];
  if (isParquet(bytes)) {
    docs = await readParquetDocuments(bytes, file, limit);
  } else {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new TaskDataError('BadTaskFile', `${clip(file, 200)}: neither Parquet nor UTF-8 JSON Lines`);
    }
    docs = parseJsonlDocuments(text.replace(/^\ufeff/, ''), file, limit);
  }
  if (docs.length === 0) throw new TaskDataError('EmptyTaskData', `${clip(file, 200)} holds no document`);
  return docs;
}
