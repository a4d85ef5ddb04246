// lm-eval's piqa (lm_eval/tasks/piqa/piqa.yaml, version 1.0): baber/piqa, validation split.
// doc_to_text "Question: {{goal}}\nAnswer:", doc_to_choice "{{[sol1, sol2]}}", doc_to_target label.
import { checkGold, integerField, stringField } from '../doc-fields.ts';
import { sharedContext, type ZeroShotTask } from '../task-definition.ts';

export const piqa: ZeroShotTask = {
  name: 'piqa',
  version: '1.0',
  dataset: { path: 'baber/piqa', name: null, split: 'validation' },
  metrics: ['acc', 'acc_norm'],
  fields: ['goal', 'sol1', 'sol2', 'label'],
  requests(doc, at) {
    const choices = [stringField(doc, 'sol1', at), stringField(doc, 'sol2', at)];
    return sharedContext(`Question: ${stringField(doc, 'goal', at)}\nAnswer:`, choices,
      checkGold(integerField(doc, 'label', at), choices.length, 'label', at));
  },
};
