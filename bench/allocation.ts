// Allocation benchmark, side by side in one run on the same pruner: OWL vs MRP at one target (the slider's
// path: allocation + sequential prune, no evaluation), MRP again at the same target (its cached result: one
// sequential prune), and a uniform prune as the unit (one sequential pass). MRP runs twice: with its incremental
// passes (the default) and with every pass in full (Pruner.mrpIncremental = false; the same results).
import type { Gpu } from '../src/core/gpu/device.ts';
import type { LoadedModel } from '../src/core/model/loaded-model.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { Pruner } from '../src/core/prune/pruner.ts';

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export async function allocationBench(gpu: Gpu, label: string, model: LoadedModel, calib: number[][], target: number) {
  const engine = await Engine.create(gpu, model);
  const pruner = await Pruner.create(engine, calib);
  try {
    const at = (allocation: 'uniform' | 'owl' | 'mrp') => seconds(() => pruner.prune({ metric: 'wanda', sparsity: target, allocation }));
    await at('uniform'); // warm-up: pipelines compile on first use
    const uniform = await at('uniform');
    const owl = await at('owl');
    pruner.mrpIncremental = false;
    const full = await at('mrp');
    pruner.forgetMrpResults();
    pruner.mrpIncremental = true;
    const mrp = await at('mrp');
    const cached = await at('mrp');
    return {
      model: label, target, 'calibration windows': `${calib.length} x ${calib[0].length}`, 'uniform s': uniform.toFixed(2),
      'OWL s': owl.toFixed(2), 'MRP s': mrp.toFixed(2), 'MRP full passes s': full.toFixed(2), 'MRP again (cached) s': cached.toFixed(2),
      'MRP / OWL': (mrp / owl).toFixed(2), 'full passes / OWL': (full / owl).toFixed(2), 'MRP / uniform': (mrp / uniform).toFixed(2), 'cached MRP / OWL': (cached / owl).toFixed(2),
    };
  } finally {
    pruner.destroy();
    engine.destroy();
  }
}
