import { describe, expect, it } from 'vitest';
import { pyCapitalize, pyLen, pyRstrip, pyStrip } from './python-text.ts';

describe('Python string semantics', () => {
  it('capitalize(): title-cases the first character and lower-cases the rest (values from CPython 3.12)', () => {
    expect(pyCapitalize("just then, Lily's big sister said, \"Lily, STOP!")).toBe("Just then, lily's big sister said, \"lily, stop!");
    expect(pyCapitalize('ßa')).toBe('Ssa');
    expect(pyCapitalize('ǆX')).toBe('ǅx');
    expect(pyCapitalize('ᾀb')).toBe('ᾈb');
    expect(pyCapitalize('აბ')).toBe('აბ');
    expect(pyCapitalize('ﬁsh')).toBe('Fish');
    expect(pyCapitalize('')).toBe('');
    expect(pyCapitalize('😀A')).toBe('😀a');
  });

  it('strip(): Python\'s whitespace (\\x1c-\\x1f, \\x85 included; \\ufeff not)', () => {
    expect(pyStrip(' \x1c a\x85 ')).toBe('a');
    expect(pyStrip('\ufeffa ')).toBe('\ufeffa');
    expect(pyRstrip('Answer: \t\n')).toBe('Answer:');
  });

  it('len(): code points', () => {
    expect(pyLen('a😀b')).toBe(3);
    expect('a😀b'.length).toBe(4);
  });
});
