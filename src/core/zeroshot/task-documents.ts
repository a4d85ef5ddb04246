// A task's documents as read from a file: each raw document in its dataset's schema with the place it came from.
import type { DocPlace, RawDoc } from './doc-fields.ts';

export interface TaskDocument {
  doc: RawDoc;
  at: DocPlace;
}
