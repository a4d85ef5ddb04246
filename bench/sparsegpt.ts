// SparseGPT's solver: the GPU column sweep (default) against the float64 CPU solver, measured side by side in
// one run on the same calibration windows. Per solver: the whole prune (sequential calibration + every layer),
// the layer solves alone (GPU solver: f32 factor on the GPU, then the sweep; CPU solver: Hessian read-back, float64
// factorisation and solve, dense weights read back and the result uploaded), the factorisations alone, the process CPU seconds of the whole prune (on a CPU-backed adapter such
// as SwiftShader the "GPU" work is CPU time too) and the bytes read back.
import type { Gpu } from '../src/core/gpu/device.ts';
import type { LoadedModel } from '../src/core/model/loaded-model.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { Pruner } from '../src/core/prune/pruner.ts';
import type { SparseGptSolver } from '../src/core/prune/sparsegpt.ts';
import { formatBytes } from '../src/core/errors.ts';

export async function sparseGptSolverBench(gpu: Gpu, label: string, model: LoadedModel, calib: number[][]) {
  const engine = await Engine.create(gpu, model);
  const pruner = await Pruner.create(engine, calib);
  const run = async (solver: SparseGptSolver) => {
    pruner.sparseGptSolver = solver;
    const t = performance.now(), cpu0 = process.cpuUsage();
    await pruner.prune({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'uniform' });
    const cpu = process.cpuUsage(cpu0);
    return { seconds: (performance.now() - t) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, ...pruner.sparseGptCost! };
  };
  await run('gpu'); // warm-up: pipelines compile on first use
  const c = await run('cpu');
  const g = await run('gpu');
  pruner.destroy();
  engine.destroy();
  return {
    model: label,
    'calib windows': `${calib.length} x ${calib[0].length}`,
    'layer solves s (CPU / GPU solver)': `${c.layerSeconds.toFixed(2)} / ${g.layerSeconds.toFixed(2)}`,
    'solves GPU / CPU': (g.layerSeconds / c.layerSeconds).toFixed(2),
    'whole prune s (CPU / GPU solver)': `${c.seconds.toFixed(2)} / ${g.seconds.toFixed(2)}`,
    'prune GPU / CPU': (g.seconds / c.seconds).toFixed(2),
    'factor s (CPU f64 / GPU f32)': `${c.factorSeconds.toFixed(3)} / ${g.factorSeconds.toFixed(3)}`,
    'process CPU s (CPU / GPU solver)': `${c.cpuSeconds.toFixed(2)} / ${g.cpuSeconds.toFixed(2)}`,
    'read back (CPU / GPU solver)': `${formatBytes(c.readBackBytes)} / ${formatBytes(g.readBackBytes)}`,
  };
}
