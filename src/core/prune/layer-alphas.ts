// AlphaPruning's layer quality metric: the Hill power-law exponent of each linear map's empirical spectral
// density (eigenvalues of W^T W), averaged over the seven maps of a layer. Read from the dense weights on the CPU.
import { readTensorF32 } from '../formats/decode-tensor.ts';
import type { LoadedModel } from '../model/loaded-model.ts';
import { layerMaps } from './linear-maps.ts';
import { gramSpectrum, hillAlpha } from './spectral.ts';

export async function layerAlphas(model: LoadedModel, onLayer?: (done: number, total: number) => void): Promise<number[]> {
  const L = model.spec.numLayers;
  const out: number[] = [];
  for (let l = 0; l < L; l++) {
    let sum = 0;
    const maps = layerMaps(model.spec, l);
    for (const m of maps) sum += hillAlpha(gramSpectrum(await readTensorF32(model.tensors.get(m.name)!), m.N, m.K));
    out.push(sum / maps.length);
    onLayer?.(l + 1, L);
  }
  return out;
}
