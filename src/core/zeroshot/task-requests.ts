// A task's requests per document, built from its documents without a tokenizer: every field of the dataset's
// schema present, the gold answer among the choices. A file in the wrong schema fails here with a TaskDataError that
// names the file, line and field, so the studio can say so as soon as the file is picked (no model needed).
import { requireFields } from './doc-fields.ts';
import type { TaskData } from './task-data.ts';
import type { ChoiceRequests } from './task-definition.ts';

export function taskRequests(data: Pick<TaskData, 'task' | 'documents'>): ChoiceRequests[] {
  return data.documents.map(({ doc, at }) => {
    requireFields(doc, data.task.fields, at, data.task.name);
    return data.task.requests(doc, at);
  });
}
