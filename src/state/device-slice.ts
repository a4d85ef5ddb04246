// A lost GPU device, and the way back: the worker reports every loss (a job in flight fails with DeviceLost
// too); the studio keeps everything the user has (model summary, settings, runs, scan, search) and offers one
// action that starts a fresh device, loads the same model files again and re-applies the slider's run.
import type { DeviceLostInfo, WorkerErrorInfo } from '../worker/api.ts';
import type { StudioClient } from '../worker/client.ts';
import { toErrorInfo } from '../worker/error-info.ts';
import type { StudioState } from './studio-store.ts';

export interface DeviceSlice {
  status: 'ok' | 'lost' | 'reloading' | 'error';
  lost: DeviceLostInfo | null;
  progress: { fraction: number; label: string } | null;
  /** Why the reload failed (status 'error'). */
  error: WorkerErrorInfo | null;
}

export interface DeviceActions {
  /** Subscribes to the worker's device-loss reports (once, after the GPU started). */
  watchDevice(): void;
  deviceLost(info: DeviceLostInfo): void;
  /** New device, same model, same pruning: the slider's value (or applied vector) is evaluated again. */
  reloadAfterDeviceLoss(): Promise<void>;
}

export const idleDevice = (): DeviceSlice => ({ status: 'ok', lost: null, progress: null, error: null });

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

export function deviceActions(set: Set, get: () => StudioState, client: StudioClient): DeviceActions {
  let watching = false;
  const patch = (d: Partial<DeviceSlice>) => set((s) => ({ device: { ...s.device, ...d } }));

  /** The run the sparsity panel showed (or was computing when the device went): evaluated again on the new device. */
  async function reapplyPrune(): Promise<void> {
    const p = get().prune;
    const interrupted = p.status === 'error' && p.error?.code === 'DeviceLost';
    if (!p.outcome && !interrupted) return;
    if (p.explicit) await get().applyVector(p.explicit, p.method.nm === 'heads' ? 'heads' : 'off', p.method.metric, p.explicitOrigin);
    else await get().commitSparsity(p.sparsity);
  }

  return {
    watchDevice() {
      if (watching) return;
      watching = true;
      client.watchDevice((info) => get().deviceLost(info)).catch(() => { watching = false; });
    },

    deviceLost(info) {
      set((s) => ({
        device: { status: 'lost', lost: info, progress: null, error: null },
        // The adapter stays listed; 'lost' disables every GPU action until the reload.
        gpu: { ...s.gpu, status: 'lost', error: { code: info.code, message: info.message } },
      }));
    },

    async reloadAfterDeviceLoss() {
      const s0 = get();
      if (s0.device.status !== 'lost' && s0.device.status !== 'error') return;
      const withModel = s0.model.status === 'ready'; // a load the loss interrupted is not retried: drop the files again
      patch({ status: 'reloading', error: null, progress: { fraction: 0, label: 'Starting a new GPU device' } });
      try {
        const adapter = await client.init();
        set((s) => ({ gpu: { status: 'ready', adapter, error: null } }));
        if (withModel) {
          const summary = await client.reloadModel((fraction, label) => patch({ progress: { fraction, label } }));
          set((s) => ({ model: { ...s.model, status: 'ready', summary, progress: null, error: null } }));
        }
        set(() => ({ device: idleDevice() }));
      } catch (e) {
        const error = toErrorInfo(e);
        // A device lost again during the reload is reported by deviceLost(); anything else is shown here.
        if (get().device.status === 'reloading') patch({ status: 'error', progress: null, error });
        return;
      }
      await reapplyPrune();
    },
  };
}
