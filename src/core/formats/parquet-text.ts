// Evaluation text from a Parquet file of a Hugging Face text dataset (Salesforce/wikitext ships only Parquet): the
// string column's rows joined by "\n\n", as the pruning literature's WikiText-2 perplexity protocol does
// (IST-DASLab/gptq and sparsegpt datautils.py, locuslab/wanda lib/data.py, transformers' perplexity guide:
// tokenizer("\n\n".join(testdata["text"]))). Empty rows stay (they are wikitext's blank lines).
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { PrunelabError } from '../errors.ts';
import { clip, quote, quoteList } from '../quote.ts';

export type TextFileErrorCode =
  /** The Parquet file has no column of that name. */
  | 'MissingColumn'
  /** Not readable as Parquet, or the column holds something other than strings. */
  | 'BadTextFile';

export class TextFileError extends PrunelabError {
  constructor(code: TextFileErrorCode, message: string) { super(code, message); }
}

/** What joins the rows: the protocol's separator, stated in every result that read Parquet text. */
export const PARQUET_TEXT_JOIN = '\n\n';
export const DEFAULT_TEXT_COLUMN = 'text';

export interface ParquetText {
  text: string;
  column: string;
  rows: number;
  join: typeof PARQUET_TEXT_JOIN;
}

export async function readParquetText(bytes: Uint8Array, file: string, column = DEFAULT_TEXT_COLUMN): Promise<ParquetText> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const unreadable = (e: unknown) => new TextFileError('BadTextFile',
    `${clip(file, 200)}: not a readable Parquet file (${clip(String(e instanceof Error ? e.message : e), 200)})`);
  let metadata;
  try { metadata = parquetMetadata(buffer); } catch (e) { throw unreadable(e); }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  if (!columns.includes(column)) {
    throw new TextFileError('MissingColumn', `${clip(file, 200)} has no column ${quote(column)} (its columns: ${quoteList(columns.map((c) => quote(c)))})`);
  }
  let rows: Record<string, unknown>[];
  try { rows = await parquetReadObjects({ file: buffer, metadata, columns: [column] }); } catch (e) { throw unreadable(e); }
  const values = rows.map((r, i) => {
    const v = r[column];
    if (typeof v !== 'string') throw new TextFileError('BadTextFile', `${clip(file, 200)} row ${i + 1}: column ${quote(column)} holds ${quote(v)}, not a string`);
    return v;
  });
  return { text: values.join(PARQUET_TEXT_JOIN), column, rows: values.length, join: PARQUET_TEXT_JOIN };
}
