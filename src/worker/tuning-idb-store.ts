// The studio's matmul tuning store: IndexedDB (its own database, so the saved-work store's schema is untouched),
// keyed by adapter and shapes, so the GPU is timed once per adapter and model shape set, not on every page load.
import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { TuningStore } from '../core/kernels/matmul-tuning.ts';

export function idbTuningStore(): TuningStore {
  let store: UseStore | undefined;
  const db = () => (store ??= createStore('prunelab-gpu', 'matmul-tuning')); // opened on first use
  return { get: (key) => get(key, db()), set: (key, tuning) => set(key, tuning, db()) };
}
