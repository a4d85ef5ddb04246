// Plain-text table printing for benchmark output.
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padEnd(width[i])).join(' | ');
  console.log(`\n${title}`);
  console.log(line(cols));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
}
