// lm-eval's boolq (lm_eval/tasks/super_glue/boolq/default.yaml, version 2.0): aps/super_glue "boolq", validation split.
// doc_to_text "{{passage}}\nQuestion: {{question}}?\nAnswer:", doc_to_choice ["no", "yes"], doc_to_target label.
import { checkGold, integerField, stringField } from '../doc-fields.ts';
import { sharedContext, type ZeroShotTask } from '../task-definition.ts';

export const boolq: ZeroShotTask = {
  name: 'boolq',
  version: '2.0',
  dataset: { path: 'aps/super_glue', name: 'boolq', split: 'validation' },
  metrics: ['acc'],
  fields: ['passage', 'question', 'label'],
  requests(doc, at) {
    const choices = ['no', 'yes'];
    const context = `${stringField(doc, 'passage', at)}\nQuestion: ${stringField(doc, 'question', at)}?\nAnswer:`;
    return sharedContext(context, choices, checkGold(integerField(doc, 'label', at), choices.length, 'label', at));
  },
};
