// Each task's requests against strings written by hand from lm-eval-harness's task definitions (YAML templates,
// utils.py / preprocess_*.py), on documents in the Hugging Face datasets' own schemas.
import { describe, expect, it } from 'vitest';
import { ZERO_SHOT_TASKS, taskByName } from './task-registry.ts';
import type { DocPlace } from './doc-fields.ts';

const at: DocPlace = { file: 'test.jsonl', index: 1, unit: 'line' };

describe('task prompts as lm-eval builds them', () => {
  it('boolq: "{{passage}}\\nQuestion: {{question}}?\\nAnswer:", choices no / yes, gold = label', () => {
    const r = ZERO_SHOT_TASKS.boolq.requests({
      question: 'do iran and afghanistan speak the same language',
      passage: 'Persian language -- Persian, also known by its endonym Farsi, is one of the Western Iranian languages.',
      idx: 0, label: 1,
    }, at);
    const ctx = 'Persian language -- Persian, also known by its endonym Farsi, is one of the Western Iranian languages.\n'
      + 'Question: do iran and afghanistan speak the same language?\nAnswer:';
    expect(r).toEqual({ contexts: [ctx, ctx], continuations: [' no', ' yes'], choices: ['no', 'yes'], gold: 1 });
  });

  it('rte (GLUE): "{{sentence1}}\\nQuestion: {{sentence2}} True or False?\\nAnswer:", label 0 = True', () => {
    const r = ZERO_SHOT_TASKS.rte.requests({
      sentence1: 'No Weapons of Mass Destruction Found in Iraq Yet.', sentence2: 'Weapons of Mass Destruction Found in Iraq.', label: 1, idx: 0,
    }, at);
    const ctx = 'No Weapons of Mass Destruction Found in Iraq Yet.\nQuestion: Weapons of Mass Destruction Found in Iraq. True or False?\nAnswer:';
    expect(r).toEqual({ contexts: [ctx, ctx], continuations: [' True', ' False'], choices: ['True', 'False'], gold: 1 });
  });

  it('hellaswag: activity_label + ": " + ctx_a + " " + ctx_b.capitalize(), preprocessed; endings preprocessed; gold = int(label)', () => {
    const r = ZERO_SHOT_TASKS.hellaswag.requests({
      ind: 24, activity_label: 'Roof shingle removal', ctx_a: 'A man is sitting on a roof.', ctx_b: 'he',
      ctx: 'A man is sitting on a roof. he',
      endings: ['is using wrap to wrap a pair of skis.', 'is ripping level tiles off.', "is holding a rubik's cube.", 'starts pulling up roofing on a roof.'],
      source_id: 'activitynet~v_-JhWjGDPHMY', split: 'val', split_type: 'indomain', label: '3',
    }, at);
    const ctx = 'Roof shingle removal: A man is sitting on a roof. He';
    expect(r.contexts).toEqual([ctx, ctx, ctx, ctx]);
    expect(r.continuations).toEqual([' is using wrap to wrap a pair of skis.', ' is ripping level tiles off.', " is holding a rubik's cube.",
      ' starts pulling up roofing on a roof.']);
    expect(r.gold).toBe(3);
  });

  it('hellaswag WikiHow: " [title]" -> ". ", [brackets] dropped, one pass of "  " -> " ", capitalize() lower-cases the rest of ctx_b', () => {
    const r = ZERO_SHOT_TASKS.hellaswag.requests({
      activity_label: 'Home and Garden', ctx_a: '[header] How to grow basil [title] Choose a sunny spot.',
      ctx_b: 'basil needs  SIX hours of sun [step] Water it daily.',
      endings: [' [substeps] Keep   the soil moist.  ', 'Eat it.', 'Plant [title] it.', 'x'], label: '0',
    }, at);
    expect(r.contexts[0]).toBe('Home and Garden: How to grow basil. Choose a sunny spot. Basil needs six hours of sun water it daily.');
    // strip, then the bracket leaves a leading space, and "   " becomes "  " (one non-overlapping pass).
    expect(r.choices).toEqual([' Keep  the soil moist.', 'Eat it.', 'Plant. it.', 'x']);
    expect(r.continuations[0]).toBe('  Keep  the soil moist.');
  });

  it('winogrande: partial scoring, one context per option (sentence up to "_" + option), the rest of the sentence as the shared continuation', () => {
    const r = ZERO_SHOT_TASKS.winogrande.requests({
      sentence: 'Sarah was a much better surgeon than Maria so _ always got the harder cases.', option1: 'Sarah', option2: 'Maria', answer: '1',
    }, at);
    expect(r).toEqual({
      contexts: ['Sarah was a much better surgeon than Maria so Sarah', 'Sarah was a much better surgeon than Maria so Maria'],
      continuations: [' always got the harder cases.', ' always got the harder cases.'],
      choices: ['Sarah was a much better surgeon than Maria so Sarah', 'Sarah was a much better surgeon than Maria so Maria'],
      gold: 0,
    });
    // The blank at the end: the continuation is the stripped remainder (here the full stop) after the delimiter.
    expect(ZERO_SHOT_TASKS.winogrande.requests({ sentence: 'The cup fell on the _ .', option1: 'floor', option2: 'cat', answer: '2' }, at))
      .toMatchObject({ contexts: ['The cup fell on the floor', 'The cup fell on the cat'], continuations: [' .', ' .'], gold: 1 });
  });

  it('arc_easy / arc_challenge: "Question: {{question}}\\nAnswer:", choices.text, gold = choices.label.index(answerKey) (letters or digits)', () => {
    const doc = {
      id: 'Mercury_7175875', question: 'An astronomer observes that a planet rotates faster after a meteorite impact. Which is the most likely effect of this increase in rotation?',
      choices: { text: ['Planetary density will decrease.', 'Planetary years will become longer.', 'Planetary days will become shorter.', 'Planetary gravity will become stronger.'], label: ['A', 'B', 'C', 'D'] },
      answerKey: 'C',
    };
    const ctx = 'Question: An astronomer observes that a planet rotates faster after a meteorite impact. Which is the most likely effect of this increase in rotation?\nAnswer:';
    for (const task of [ZERO_SHOT_TASKS.arc_easy, ZERO_SHOT_TASKS.arc_challenge]) {
      const r = task.requests(doc, at);
      expect(r.contexts).toEqual([ctx, ctx, ctx, ctx]);
      expect(r.continuations).toEqual([' Planetary density will decrease.', ' Planetary years will become longer.',
        ' Planetary days will become shorter.', ' Planetary gravity will become stronger.']);
      expect(r.gold).toBe(2);
    }
    const numeric = ZERO_SHOT_TASKS.arc_easy.requests({ question: 'Q?', choices: { text: ['a', 'b', 'c'], label: ['1', '2', '3'] }, answerKey: '3' }, at);
    expect(numeric).toEqual({ contexts: Array(3).fill('Question: Q?\nAnswer:'), continuations: [' a', ' b', ' c'], choices: ['a', 'b', 'c'], gold: 2 });
  });

  it('openbookqa: the question_stem itself as context, gold = choices.label.index(answerKey.lstrip())', () => {
    const r = ZERO_SHOT_TASKS.openbookqa.requests({
      id: '7-980', question_stem: 'The sun is responsible for',
      choices: { text: ['puppies learning new tricks', 'children growing up and getting old', 'flowers wilting in a vase', 'plants sprouting, blooming and wilting'], label: ['A', 'B', 'C', 'D'] },
      answerKey: ' D',
    }, at);
    const ctx = 'The sun is responsible for';
    expect(r).toEqual({
      contexts: [ctx, ctx, ctx, ctx],
      continuations: [' puppies learning new tricks', ' children growing up and getting old', ' flowers wilting in a vase', ' plants sprouting, blooming and wilting'],
      choices: ['puppies learning new tricks', 'children growing up and getting old', 'flowers wilting in a vase', 'plants sprouting, blooming and wilting'],
      gold: 3,
    });
  });

  it('piqa: "Question: {{goal}}\\nAnswer:", choices [sol1, sol2], gold = label', () => {
    const r = ZERO_SHOT_TASKS.piqa.requests({
      goal: "How do I ready a guinea pig cage for it's new occupants?",
      sol1: 'Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips.',
      sol2: 'Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material.', label: 0,
    }, at);
    const ctx = "Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:";
    expect(r).toEqual({
      contexts: [ctx, ctx],
      continuations: [' Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips.',
        ' Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material.'],
      choices: ['Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips.',
        'Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material.'],
      gold: 0,
    });
  });

  it('lists lm-eval\'s metrics and datasets per task, and refuses an unknown task name', () => {
    expect(Object.fromEntries(Object.values(ZERO_SHOT_TASKS).map((t) => [t.name, t.metrics.join('+')]))).toEqual({
      boolq: 'acc', rte: 'acc', hellaswag: 'acc+acc_norm', winogrande: 'acc', arc_easy: 'acc+acc_norm', arc_challenge: 'acc+acc_norm',
      openbookqa: 'acc+acc_norm', piqa: 'acc+acc_norm',
    });
    expect(ZERO_SHOT_TASKS.arc_challenge.dataset).toEqual({ path: 'allenai/ai2_arc', name: 'ARC-Challenge', split: 'test' });
    expect(() => taskByName('hellaswagg')).toThrow(/UnknownTask|unknown task "hellaswagg"; the tasks are boolq, rte, hellaswag/);
  });
});
