// lm-eval's winogrande (lm_eval/tasks/winogrande/default.yaml + preprocess_winogrande.py, version 1.0):
// allenai/winogrande "winogrande_xl", validation. Partial scoring: doc_to_text returns the gold index, so each choice
// is its own context, sentence[:i] + option (i: the first "_"), and every context scores the same continuation,
// target_delimiter + sentence[i+1:].strip(). gold = {"1": 0, "2": 1}[answer].
import { pyStrip } from '../python-text.ts';
import { checkGold, describePlace, stringField, type DocPlace } from '../doc-fields.ts';
import { TARGET_DELIMITER, type ZeroShotTask } from '../task-definition.ts';
import { TaskDataError } from '../task-errors.ts';
import { quote } from '../../quote.ts';

function answerIndex(answer: string, at: DocPlace): number {
  if (answer !== '1' && answer !== '2') {
    throw new TaskDataError('LabelOutOfRange', `${describePlace(at)}: field "answer" is ${quote(answer)}, not "1" or "2"`);
  }
  return checkGold(Number(answer) - 1, 2, 'answer', at);
}

export const winogrande: ZeroShotTask = {
  name: 'winogrande',
  version: '1.0',
  dataset: { path: 'allenai/winogrande', name: 'winogrande_xl', split: 'validation' },
  metrics: ['acc'],
  fields: ['sentence', 'option1', 'option2', 'answer'],
  requests(doc, at) {
    const sentence = stringField(doc, 'sentence', at);
    const blank = sentence.indexOf('_');
    if (blank < 0) {
      throw new TaskDataError('BadTaskDocument', `${describePlace(at)}: field "sentence" has no "_" blank: ${quote(sentence)}`);
    }
    const options = [stringField(doc, 'option1', at), stringField(doc, 'option2', at)];
    const gold = answerIndex(stringField(doc, 'answer', at), at);
    const contexts = options.map((o) => sentence.slice(0, blank) + o);
    const continuation = TARGET_DELIMITER + pyStrip(sentence.slice(blank + 1));
    return { contexts, continuations: contexts.map(() => continuation), choices: contexts, gold };
  },
};
