// prunelab scan: the layerwise pruning-sensitivity matrix (perplexity increase over dense per cell).
import { BadRequest } from '../core/errors.ts';
import { evalWindows, tokenizeForEval } from '../core/engine/windows.ts';
import { Pruner } from '../core/prune/pruner.ts';
import { DEFAULT_LEVELS, sensitivityScan, type ScanCell } from '../core/prune/sensitivity-scan.ts';
import { MODULES } from '../core/prune/linear-maps.ts';
import { optionalInt, requireString, type CliValues } from './args.ts';
import { openSession } from './session.ts';
import { readTextFlag } from './data-files.ts';

function parseLevels(text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_LEVELS;
  const levels = text.split(',').map((t) => Number(t.trim()));
  if (levels.some((s) => !(s > 0 && s < 1))) throw new BadRequest(`--levels must be comma-separated sparsities in (0, 1) (got "${text}")`);
  return levels;
}

/** Rows = layers; columns = levels (by layer) or modules (one table per level, by module). */
function table(cells: ScanCell[], by: 'layer' | 'module', levels: number[], L: number): string {
  const modules = MODULES.filter((m) => cells.some((c) => c.module === m));
  const fmt = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3)).padStart(9);
  const find = (l: number, m: string, s: number) => cells.find((c) => c.layer === l && c.module === m && c.level === s)?.deltaPpl;
  const lines: string[] = [];
  if (by === 'layer') {
    lines.push(`layer ${levels.map((s) => `s=${s}`.padStart(9)).join('')}`);
    for (let l = 0; l < L; l++) lines.push(`${String(l).padStart(5)} ${levels.map((s) => fmt(find(l, 'all', s))).join('')}`);
  } else {
    for (const s of levels) {
      lines.push(`sparsity ${s}`, `layer ${modules.map((m) => m.padStart(9)).join('')}`);
      for (let l = 0; l < L; l++) lines.push(`${String(l).padStart(5)} ${modules.map((m) => fmt(find(l, m, s))).join('')}`);
    }
  }
  return lines.join('\n');
}

export async function runScan(values: CliValues): Promise<number> {
  const modelPath = requireString(values, 'model');
  const levels = parseLevels(values.levels as string | undefined);
  const by = (values.by as string | undefined) ?? 'layer';
  if (by !== 'layer' && by !== 'module') throw new BadRequest(`--by must be layer or module (got "${by}")`);
  const method = (values.method as string | undefined) ?? 'wanda';
  if (method !== 'wanda' && method !== 'magnitude') throw new BadRequest(`unknown --method "${method}" (expected magnitude or wanda)`);
  const seqLen = optionalInt(values, 'seq-len', 256)!;
  const windows = optionalInt(values, 'windows', 4)!;
  const calibWindows = optionalInt(values, 'calib-windows', 16)!;
  const calibOffset = optionalInt(values, 'calib-offset', 0)!;
  const { text } = await readTextFlag(requireString(values, 'text'));
  const { text: calibText } = await readTextFlag(requireString(values, 'calib'));
  const { gpu, engine } = await openSession(modelPath, values.variant as string | undefined);
  try {
    const tokenize = (t: string) => tokenizeForEval(engine.model.tokenizer, t);
    const pruner = await Pruner.create(engine, evalWindows(tokenize(calibText).slice(calibOffset), seqLen, calibWindows));
    try {
      const result = await sensitivityScan(pruner, { metric: method, levels, by, windows: evalWindows(tokenize(text), seqLen, windows) }, {
        onCell: (c, done, total) => process.stderr.isTTY && process.stderr.write(`\rcell ${done}/${total} (layer ${c.layer} ${c.module} ${c.level})   `),
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ densePpl: result.densePpl, by, levels, method, cells: result.cells, seqLen, windows })}\n`);
      } else {
        process.stdout.write(`dense perplexity ${result.densePpl.toFixed(4)}; perplexity increase when pruning only one layer:\n`
          + `${table(result.cells, by, levels, engine.spec.numLayers)}\n`);
      }
      return 0;
    } finally { pruner.destroy(); }
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}
