// lm-eval's rte (lm_eval/tasks/glue/rte/default.yaml, version 1.0): nyu-mll/glue "rte", validation split.
// doc_to_text "{{sentence1}}\nQuestion: {{sentence2}} True or False?\nAnswer:", doc_to_choice ["True", "False"]
// (label 0 = entailment = "True"), doc_to_target label.
import { checkGold, integerField, stringField } from '../doc-fields.ts';
import { sharedContext, type ZeroShotTask } from '../task-definition.ts';

export const rte: ZeroShotTask = {
  name: 'rte',
  version: '1.0',
  dataset: { path: 'nyu-mll/glue', name: 'rte', split: 'validation' },
  metrics: ['acc'],
  fields: ['sentence1', 'sentence2', 'label'],
  requests(doc, at) {
    const choices = ['True', 'False'];
    const context = `${stringField(doc, 'sentence1', at)}\nQuestion: ${stringField(doc, 'sentence2', at)} True or False?\nAnswer:`;
    return sharedContext(context, choices, checkGold(integerField(doc, 'label', at), choices.length, 'label', at));
  },
};
