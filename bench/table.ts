// Plain-text table printing for benchmark output (the formatting is shared with `prunelab bench`).
import { formatTable } from '../src/core/bench/text-table.ts';

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  if (rows.length > 0) console.log(formatTable(title, rows));
}
