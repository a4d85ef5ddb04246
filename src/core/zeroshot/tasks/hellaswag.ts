// lm-eval's hellaswag (lm_eval/tasks/hellaswag/hellaswag.yaml + utils.py, version 1.0): Rowan/hellaswag, validation.
// process_docs: query = preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()), choices =
// preprocess(ending) for each ending, gold = int(label); doc_to_text "{{query}}", doc_to_choice "choices".
import { pyCapitalize, pyStrip } from '../python-text.ts';
import { checkGold, digitStringField, stringField, stringListField } from '../doc-fields.ts';
import { sharedContext, type ZeroShotTask } from '../task-definition.ts';

/** utils.preprocess: strip, " [title]" -> ". ", drop [bracketed] WikiHow artifacts, then one pass of "  " -> " ". */
export function hellaswagPreprocess(text: string): string {
  return pyStrip(text)
    .replaceAll(' [title]', '. ')
    .replace(/\[[^\n]*?\]/g, '')   // Python's re "\[.*?\]": "." matches anything but "\n"
    .replaceAll('  ', ' ');
}

export const hellaswag: ZeroShotTask = {
  name: 'hellaswag',
  version: '1.0',
  dataset: { path: 'Rowan/hellaswag', name: null, split: 'validation' },
  metrics: ['acc', 'acc_norm'],
  fields: ['activity_label', 'ctx_a', 'ctx_b', 'endings', 'label'],
  requests(doc, at) {
    const ctx = `${stringField(doc, 'ctx_a', at)} ${pyCapitalize(stringField(doc, 'ctx_b', at))}`;
    const query = hellaswagPreprocess(`${stringField(doc, 'activity_label', at)}: ${ctx}`);
    const choices = stringListField(doc, 'endings', at).map(hellaswagPreprocess);
    return sharedContext(query, choices, checkGold(digitStringField(doc, 'label', at), choices.length, 'label', at));
  },
};
