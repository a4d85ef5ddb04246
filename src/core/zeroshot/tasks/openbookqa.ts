// lm-eval's openbookqa (lm_eval/tasks/openbookqa/openbookqa.yaml, version 1.0): allenai/openbookqa "main", test.
// doc_to_text question_stem (the field itself, no template), doc_to_choice "{{choices.text}}",
// doc_to_target "{{choices.label.index(answerKey.lstrip())}}".
import { pyLstrip } from '../python-text.ts';
import { checkGold, labelIndex, stringField, stringListField } from '../doc-fields.ts';
import { sharedContext, type ZeroShotTask } from '../task-definition.ts';

export const openbookqa: ZeroShotTask = {
  name: 'openbookqa',
  version: '1.0',
  dataset: { path: 'allenai/openbookqa', name: 'main', split: 'test' },
  metrics: ['acc', 'acc_norm'],
  fields: ['question_stem', 'choices.text', 'choices.label', 'answerKey'],
  requests(doc, at) {
    const choices = stringListField(doc, 'choices.text', at);
    const key = pyLstrip(stringField(doc, 'answerKey', at));
    const gold = labelIndex(stringListField(doc, 'choices.label', at), key, 'answerKey', at);
    return sharedContext(stringField(doc, 'question_stem', at), choices, checkGold(gold, choices.length, 'answerKey', at));
  },
};
