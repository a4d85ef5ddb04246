// lm-eval's arc_easy and arc_challenge (lm_eval/tasks/arc/arc_easy.yaml, arc_challenge.yaml, version 1.0):
// allenai/ai2_arc "ARC-Easy" / "ARC-Challenge", test split. doc_to_text "Question: {{question}}\nAnswer:",
// doc_to_choice "{{choices.text}}", doc_to_target "{{choices.label.index(answerKey)}}".
import { checkGold, labelIndex, stringField, stringListField } from '../doc-fields.ts';
import { sharedContext, type TaskName, type ZeroShotTask } from '../task-definition.ts';

function arcTask(name: TaskName, subset: string): ZeroShotTask {
  return {
    name,
    version: '1.0',
    dataset: { path: 'allenai/ai2_arc', name: subset, split: 'test' },
    metrics: ['acc', 'acc_norm'],
    fields: ['question', 'choices.text', 'choices.label', 'answerKey'],
    requests(doc, at) {
      const choices = stringListField(doc, 'choices.text', at);
      const gold = labelIndex(stringListField(doc, 'choices.label', at), stringField(doc, 'answerKey', at), 'answerKey', at);
      return sharedContext(`Question: ${stringField(doc, 'question', at)}\nAnswer:`, choices,
        checkGold(gold, choices.length, 'answerKey', at));
    },
  };
}

export const arcEasy = arcTask('arc_easy', 'ARC-Easy');
export const arcChallenge = arcTask('arc_challenge', 'ARC-Challenge');
