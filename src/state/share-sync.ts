// Connects the page's URL hash to the store: opens the link the page was loaded with (and any link pasted into
// the address bar later), follows the loaded model and text against it, hashes the evaluation and calibration
// texts (sha-256 of their content, as the worker does), and keeps `#c=...` in step with the settings through
// history.replaceState (debounced; no history entries).
import { sha256Hex } from '../core/engine/windows.ts';
import { hashOf } from './share-codec.ts';
import type { StudioState, StudioStore } from './studio-store.ts';

/** The parts of `window` this needs (a fake in tests). */
export interface BrowserLocation {
  location: { readonly hash: string };
  history: { readonly state: unknown; replaceState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'hashchange', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: () => void): void;
  /** Per tab: remembers the hash this tab wrote, so a reload is told from opening a shared link. */
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

const OWN_HASH_KEY = 'prunelab:own-hash';

export interface ShareSyncOptions {
  debounceMs?: number;
  hashFile?: (file: File) => Promise<string>;
}

/** Whether anything a link carries changed between two states. */
function configChanged(s: StudioState, p: StudioState): boolean {
  return s.ppl.settings !== p.ppl.settings || s.prune.method !== p.prune.method || s.prune.sparsity !== p.prune.sparsity
    || s.prune.calibFile !== p.prune.calibFile || s.scan.settings !== p.scan.settings || s.search.settings !== p.search.settings
    || s.model.summary !== p.model.summary || s.model.status !== p.model.status || s.text.file !== p.text.file
    || s.share.textHash !== p.share.textHash || s.share.calibHash !== p.share.calibHash || s.share.pending !== p.share.pending
    || s.model.hubId !== p.model.hubId || s.share.link !== p.share.link
    || s.zeroShot.settings !== p.zeroShot.settings || s.zeroShot.files !== p.zeroShot.files;
}

export function connectShareLink(store: StudioStore, win: BrowserLocation, opts: ShareSyncOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 400;
  const hashFile = opts.hashFile ?? (async (file: File) => sha256Hex(await file.text()));
  let timer: ReturnType<typeof setTimeout> | null = null;

  const session = {
    get: () => { try { return win.sessionStorage?.getItem(OWN_HASH_KEY) ?? null; } catch { return null; } },
    set: (hash: string) => { try { win.sessionStorage?.setItem(OWN_HASH_KEY, hash); } catch { /* storage blocked: reloads look like links */ } },
  };

  const writeHash = () => {
    timer = null;
    const config = store.getState().currentConfig();
    if (!config) return; // a field is empty or out of range while being edited: keep the last good link
    const hash = hashOf(config);
    if (win.location.hash !== hash) win.history.replaceState(win.history.state, '', hash);
    session.set(hash);
  };

  const track = (which: 'text' | 'calib', file: File) => {
    hashFile(file).then((hash) => store.getState().noteTextHash(which, { file, hash }), () => { /* unreadable: the worker will say */ });
  };

  const initial = win.location.hash;
  store.getState().openLink(initial, { own: initial.length > 1 && session.get() === initial });
  const { text, prune } = store.getState();
  if (text.file) track('text', text.file);
  if (prune.calibFile) track('calib', prune.calibFile);

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.text.file && s.text.file !== prev.text.file) track('text', s.text.file);
    if (s.prune.calibFile && s.prune.calibFile !== prev.prune.calibFile) track('calib', s.prune.calibFile);
    if (s.share.link && (s.share.pending !== null || s.share.modelCheck === null || s.model.summary !== prev.model.summary)) s.followLink();
    if (configChanged(s, prev)) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(writeHash, debounceMs);
    }
  });
  const onHashChange = () => store.getState().openLink(win.location.hash);
  win.addEventListener('hashchange', onHashChange);

  return () => {
    unsubscribe();
    win.removeEventListener('hashchange', onHashChange);
    if (timer) clearTimeout(timer);
  };
}
