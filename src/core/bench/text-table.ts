// Plain-text tables for benchmark output (`npm run bench`, `prunelab bench`).
export function formatTable(title: string, rows: Array<Record<string, string | number>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padEnd(width[i])).join(' | ').trimEnd();
  return [`\n${title}`, line(cols), width.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n');
}
