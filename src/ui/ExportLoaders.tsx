// Who can load an export, said the same way as the CLI and the report: masked loads anywhere the original
// loads; compact with a standard config loads in transformers when every layer keeps the same widths, otherwise
// only Prunelab reloads it (per-layer fields); ONNX runs in onnxruntime. After SparseGPT the kept weights were
// updated too: the export writes them, and re-applying the masks to the original checkpoint is not this model.
import { loadersOf, type ExportFormatChoice } from '../state/export-slice.ts';
import type { PruneOutcome } from '../worker/api.ts';

const same = (v: number[] | undefined) => !!v && v.every((x) => x === v[0]);

/** For a structured run: which compact config it will get, from the kept counts per layer and the kv-head count
 * (the exporter decides for sure: a standard config also needs every kv group to keep the same query heads). */
function compactForecast(o: PruneOutcome, kvHeads: number): string | null {
  if (!o.keptHeads || !o.keptChannels) return null;
  if (!same(o.keptHeads) || !same(o.keptChannels)) {
    return `This run keeps different widths per layer (heads ${o.keptHeads.join(' ')}; channels ${o.keptChannels.join(' ')}): ` +
      'config.json gets per-layer fields, which only Prunelab reads.';
  }
  const heads = o.keptHeads[0];
  if (heads % kvHeads !== 0) {
    return `This run keeps ${heads} query heads per layer, which ${kvHeads} kv heads cannot share evenly: config.json gets ` +
      'per-layer fields, which only Prunelab reads.';
  }
  return `This run keeps ${heads} heads and ${o.keptChannels[0]} MLP channels in every layer: a standard config.json when ` +
    `every kv head keeps ${heads / kvHeads} query heads.`;
}

export function ExportLoaders({ format, outcome, kvHeads }: { format: ExportFormatChoice; outcome: PruneOutcome; kvHeads: number }) {
  const variants = loadersOf(format);
  const forecast = format === 'compact' ? compactForecast(outcome, kvHeads) : null;
  const updated = outcome.request.metric === 'sparsegpt' && !outcome.request.structured && format !== 'compact';
  return (
    <div className="export-loaders" data-testid="export-loaders">
      {format === 'masked' && <p><strong>Loads anywhere the original loads</strong>: same tensor shapes and dtype, pruned weights are exact zeros (the file is as large as the dense one).</p>}
      {format === 'compact' && <p><strong>Removed heads and channels are physically gone</strong>: a smaller file and a faster model. With a standard config it loads in transformers when every layer keeps the same widths; otherwise only Prunelab reloads it (per-layer fields in config.json).</p>}
      {format === 'onnx' && <p><strong>model.onnx</strong> (float32, compacted when structured) for onnxruntime in Node or onnxruntime-web in the browser.</p>}
      <ul>
        {variants.map((v) => (
          <li key={v.variant}><code>{v.variant}</code> {v.loaders.join(' · ')}</li>
        ))}
      </ul>
      {forecast && <p className="small muted" data-testid="export-forecast">{forecast}</p>}
      {updated && (
        <p className="small muted" data-testid="export-updated-weights">
          SparseGPT also updated the kept weights: the export writes the updated weights ({format === 'onnx' ? 'float32' : 'in the source dtype; F16 / BF16 are rounded to nearest'}),
          so re-applying the masks to the original checkpoint (apply_masks.py) gives a different model.
        </p>
      )}
    </div>
  );
}
