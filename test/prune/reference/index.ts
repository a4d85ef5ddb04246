// Float64 CPU oracle for unstructured pruning (docs/algorithms.md §3-§8): plain loops, independent of src/core/prune.
export { MAP_INPUT, MAP_NAMES, mapNames, mapShape, mapTensorName, layerWeightCount, type MapName, type MapShape } from './maps.ts';
export { referenceCalibrationStats, type InputStats, type LayerStats } from './stats.ts';
export {
  pruneScore, scoreMatrix, referenceMask, referenceNmMask, applyMask, prunedPerRow,
} from './masks.ts';
export {
  referenceSequentialPrune, layerMasks, type Metric, type NmPattern, type LayerMasks, type SequentialResult,
} from './sequential.ts';
export { denseLayerScores, outlierThreshold, outlierPercent, redundancy, type LayerScores } from './outliers.ts';
export {
  uniformAllocation, explicitAllocation, owlAllocation, type OwlOptions, type OwlAllocation,
} from './allocation.ts';
export { referenceMrp, type MrpOptions, type MrpPoint, type MrpResult } from './mrp.ts';
export { referencePerplexity, achievedSparsity } from './evaluation.ts';
export {
  referenceStructuredPrune, referenceLayerSelection, type LayerKept, type StructuredMetric, type StructuredOptions,
} from './structured.ts';
export { referenceFlapGlobalCounts } from './flap-global.ts';
