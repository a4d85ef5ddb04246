// Python's string operations as lm-eval's task code applies them to documents, where JavaScript's differ: str.strip()
// and isspace() know \x1c-\x1f and \x85 but not \ufeff; len() counts code points, not UTF-16 units; capitalize()
// title-cases the first character and LOWER-cases all the others.

// Python 3's str.isspace() characters (Unicode White_Space plus the bidi whitespace classes B / S / WS).
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);

export const pyStrip = (s: string): string => s.replace(LEADING, '').replace(TRAILING, '');
export const pyLstrip = (s: string): string => s.replace(LEADING, '');
export const pyRstrip = (s: string): string => s.replace(TRAILING, '');

/** Python's len(): code points (a lone surrogate counts one, as in a str decoded from JSON). */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// Title case where it differs from upper case (UnicodeData's titlecase column and SpecialCasing.txt's title
// mappings): the Latin digraphs, the ligatures and sharp s, Greek with ypogegrammeni, and Georgian Mkhedruli
// (which upper-cases to Mtavruli but title-cases to itself).
const TITLE: Record<string, string> = {
  '\u01c4': '\u01c5', '\u01c5': '\u01c5', '\u01c6': '\u01c5', '\u01c7': '\u01c8', '\u01c8': '\u01c8', '\u01c9': '\u01c8',
  '\u01ca': '\u01cb', '\u01cb': '\u01cb', '\u01cc': '\u01cb', '\u01f1': '\u01f2', '\u01f2': '\u01f2', '\u01f3': '\u01f2',
  '\u00df': 'Ss', '\ufb00': 'Ff', '\ufb01': 'Fi', '\ufb02': 'Fl', '\ufb03': 'Ffi', '\ufb04': 'Ffl', '\ufb05': 'St', '\ufb06': 'St',
  '\u0587': '\u0535\u0582', '\ufb13': '\u0544\u0576', '\ufb14': '\u0544\u0565', '\ufb15': '\u0544\u056b', '\ufb16': '\u054e\u0576',
  '\ufb17': '\u0544\u056d', '\u0149': '\u02bcN', '\u01f0': 'J\u030c',
  '\u1fb3': '\u1fbc', '\u1fc3': '\u1fcc', '\u1ff3': '\u1ffc', '\u1fb2': '\u1fba\u0345', '\u1fb4': '\u0386\u0345',
  '\u1fc2': '\u1fca\u0345', '\u1fc4': '\u0389\u0345', '\u1ff2': '\u1ffa\u0345', '\u1ff4': '\u038f\u0345',
  '\u1fb7': '\u0391\u0342\u0345', '\u1fc7': '\u0397\u0342\u0345', '\u1ff7': '\u03a9\u0342\u0345',
};

function titleCase(ch: string): string {
  const mapped = TITLE[ch];
  if (mapped) return mapped;
  const cp = ch.codePointAt(0)!;
  // Greek with ypogegrammeni: U+1F80-1F87 -> U+1F88-1F8F (and the -1F9x, -1FAx rows); the title forms map to themselves.
  if (cp >= 0x1f80 && cp <= 0x1faf) return String.fromCodePoint(cp | 0x08);
  if ((cp >= 0x10d0 && cp <= 0x10fa) || (cp >= 0x10fd && cp <= 0x10ff)) return ch;
  return ch.toUpperCase();
}

/** Python 3.8+'s str.capitalize(): the first character in title case, the rest lower case. */
export function pyCapitalize(s: string): string {
  if (!s) return s;
  const first = String.fromCodePoint(s.codePointAt(0)!);
  return titleCase(first) + s.slice(first.length).toLowerCase();
}
