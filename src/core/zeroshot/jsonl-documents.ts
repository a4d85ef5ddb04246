// Documents from a JSON Lines file (one JSON object per line, as `datasets` exports and the Hub serves them).
// Blank lines are skipped; line numbers count every line, so a message points at the line an editor shows.
import { parseJsonBounded } from '../formats/bounded-json.ts';
import { clip, quote } from '../quote.ts';
import type { TaskDocument } from './task-documents.ts';
import { TaskDataError } from './task-errors.ts';

/** Up to `limit` documents (all when undefined) from the text of a JSONL file named `file`. */
export function parseJsonlDocuments(text: string, file: string, limit?: number): TaskDocument[] {
  const docs: TaskDocument[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && (limit === undefined || docs.length < limit); i++) {
    const line = lines[i].replace(/\r$/, '');
    if (!line.trim()) continue;
    const parsed = parseJsonBounded(line);
    if ('error' in parsed) throw new TaskDataError('BadTaskFile', `${clip(file, 200)} line ${i + 1}: ${parsed.error}`);
    const v = parsed.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new TaskDataError('BadTaskDocument', `${clip(file, 200)} line ${i + 1}: a document must be a JSON object, got ${quote(v)}`);
    }
    docs.push({ doc: v as Record<string, unknown>, at: { file, index: i + 1, unit: 'line' } });
  }
  return docs;
}
