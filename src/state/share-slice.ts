// The share link's slice: the configuration the page was opened with (applied to every panel at once), why a
// link could not be opened (nothing on screen changes then), whether the loaded model and text are the link's,
// and the link's sparsity still to be run once they are loaded (the slider's commit, once).
import { isGpuBusy, type StudioState } from './studio-store.ts';
import { shownSearchSettings } from './search-slice.ts';
import { zeroShotConfigOf, zeroShotSettingsOf } from './zero-shot-link.ts';
import { withLinkHubRefs } from './zero-shot-hub.ts';
import {
  checkFingerprint, decodeConfig, describeIssues, payloadFromHash, shareUrl, SharedConfigSchema, type FingerprintCheck,
  type SharedConfig,
} from './share-codec.ts';

/** A file's content hash (sha-256, as the worker computes it), tied to the File it was computed for. */
export interface FileHash { file: File; hash: string }

export interface ShareSlice {
  /** The configuration of the link the page was opened with (or navigated to); null when none. */
  link: SharedConfig | null;
  /** The link is this tab's own hash (a reload): its settings come back quietly, nothing re-runs by itself. */
  linkIsOwn: boolean;
  /** Why the last link could not be opened (the settings on screen were kept). */
  linkError: { reason: string; message: string } | null;
  /** The loaded model against the link's fingerprint (null until a model is loaded). */
  modelCheck: FingerprintCheck | null;
  /** The link's sparsity, still to be pruned once its model and text are loaded. */
  pending: number | null;
  textHash: FileHash | null;
  calibHash: FileHash | null;
}

export interface ShareActions {
  /** Opens the configuration in a location hash (`#c=...`); a hash without one changes nothing. `own`: the hash
   * is the one this tab wrote (a reload), so the link is not announced and its sparsity does not re-run. */
  openLink(hash: string, opts?: { own?: boolean }): void;
  /** The configuration on screen, or null while a field holds something a link cannot carry (e.g. empty). */
  currentConfig(): SharedConfig | null;
  /** A URL that reproduces the configuration on screen, or what keeps it from being shared. */
  shareLink(pageUrl: string): { ok: true; url: string } | { ok: false; message: string };
  /** Checks the loaded model/text against the link and runs its sparsity once they match (call on changes). */
  followLink(): void;
  noteTextHash(which: 'text' | 'calib', value: FileHash): void;
  dismissLink(): void;
  dismissLinkError(): void;
}

export const idleShare = (): ShareSlice => ({
  link: null, linkIsOwn: false, linkError: null, modelCheck: null, pending: null, textHash: null, calibHash: null,
});

type Set = (fn: (s: StudioState) => Partial<StudioState>) => void;

const hashFor = (h: FileHash | null, file: File | null) => (h && file && h.file === file ? h.hash : undefined);

/** The configuration a state shows (before validation). */
export function configOf(s: StudioState): SharedConfig {
  const summary = s.model.status === 'ready' ? s.model.summary : null;
  const link = s.share.link;
  const untouched = summary === null && s.model.status !== 'loading'; // nothing loaded yet: carry the link's model and files
  // The Hub id (with its revision unless main) when the model came from the Hub, else the link's while the loaded
  // model is the link's.
  const fromHub = s.model.hubId ? `${s.model.hubId}${s.model.hubRevision && s.model.hubRevision !== 'main' ? `@${s.model.hubRevision}` : ''}` : null;
  const hubId = fromHub ?? (summary && link?.model?.fingerprint === summary.fingerprint ? link.model.hubId : undefined);
  const model = summary
    ? { fingerprint: summary.fingerprint, name: (s.model.sourceLabel ?? summary.name).slice(0, 300), ...(hubId ? { hubId } : {}) }
    : untouched ? link?.model : undefined;
  const file = (f: File | null, h: FileHash | null, fromLink: SharedConfig['text']) => (f
    ? { name: f.name, ...(hashFor(h, f) ? { hash: hashFor(h, f) } : {}) }
    : untouched ? fromLink : undefined);
  const { metric, allocation, nm, calibWindows, flap, kvGroups, biasCompensation } = s.prune.method;
  const st = shownSearchSettings(s);
  const config: SharedConfig = {
    v: 1,
    ppl: { seqLen: s.ppl.settings.seqLen, maxWindows: s.ppl.settings.maxWindows },
    method: { metric, allocation, nm, calibWindows, ...(nm === 'heads' ? { flap, kvGroups, biasCompensation } : {}) },
    sparsity: s.share.pending ?? s.prune.sparsity,
    scan: { levelsText: s.scan.settings.levelsText, windows: s.scan.settings.windows },
    search: {
      target: st.target, method: st.method, population: st.population, generations: st.generations, crossovers: st.crossovers,
      mutations: st.mutations, seed: st.seed, operator: st.operator, llmUrl: st.llmUrl, llmModel: st.llmModel,
      llmTemperature: st.llmTemperature, llmTimeoutSeconds: st.llmTimeoutSeconds,
      // Only when not the default, so a perplexity search's link reads as before.
      ...(st.fitness === 'zeroshot' ? { fitness: st.fitness } : {}),
    },
  };
  const vector = s.share.pending !== null ? link?.vector : s.prune.explicit ?? undefined;
  if (vector) config.vector = [...vector];
  if (model) config.model = model;
  const text = file(s.text.file, s.share.textHash, link?.text);
  if (text) config.text = text;
  const calib = file(s.prune.calibFile, s.share.calibHash, link?.calib);
  if (calib) config.calib = calib;
  const zeroShot = zeroShotConfigOf(s);
  if (zeroShot) config.zeroShot = zeroShot;
  return config;
}

export function shareActions(set: Set, get: () => StudioState): ShareActions {
  const patch = (p: Partial<ShareSlice>) => set((s) => ({ share: { ...s.share, ...p } }));

  return {
    openLink(hash, opts = {}) {
      const payload = payloadFromHash(hash);
      if (payload === null) return;
      const decoded = decodeConfig(payload);
      if (!decoded.ok) return patch({ linkError: { reason: decoded.reason, message: decoded.message } });
      const c = decoded.config;
      set((s) => ({
        ppl: { ...s.ppl, settings: { ...s.ppl.settings, ...c.ppl } },
        prune: {
          // A link from before FLAP / kv-groups existed meant them off (and bias compensation on).
          ...s.prune, method: { ...s.prune.method, flap: undefined, kvGroups: undefined, biasCompensation: undefined, ...c.method },
          sparsity: s.prune.status === 'running' ? s.prune.sparsity : c.sparsity,
        },
        scan: { ...s.scan, settings: { ...s.scan.settings, ...c.scan } },
        // The link names its search settings: they no longer follow the method panel.
        // A link from before the fitness option meant perplexity.
        search: { ...s.search, settings: { ...s.search.settings, fitness: undefined, ...c.search }, followsMethodPanel: false },
        // A link without zero-shot tasks (older ones included) leaves the panel as it is.
        zeroShot: c.zeroShot && s.zeroShot.status !== 'running'
          ? { ...s.zeroShot, settings: zeroShotSettingsOf(c.zeroShot), hub: withLinkHubRefs(s.zeroShot, c.zeroShot.tasks) } : s.zeroShot,
        share: {
          ...s.share, link: c, linkIsOwn: opts.own === true, linkError: null, modelCheck: null,
          pending: (c.sparsity > 0 || c.vector) && !opts.own ? c.sparsity : null,
        },
      }));
      get().followLink();
    },

    currentConfig() {
      const parsed = SharedConfigSchema.safeParse(configOf(get()));
      return parsed.success ? parsed.data : null;
    },

    shareLink(pageUrl) {
      const parsed = SharedConfigSchema.safeParse(configOf(get()));
      if (!parsed.success) return { ok: false, message: `A setting cannot go into a link yet: ${describeIssues(parsed.error)}.` };
      return { ok: true, url: shareUrl(pageUrl, parsed.data) };
    },

    followLink() {
      const s = get();
      const { link } = s.share;
      if (!link) return;
      const summary = s.model.status === 'ready' ? s.model.summary : null;
      if (!summary) return;
      let check = s.share.modelCheck;
      if (check === null || (check.status !== 'unknown' && check.loaded !== summary.fingerprint)) {
        check = checkFingerprint(link, summary.fingerprint);
        patch({ modelCheck: check });
      }
      const pending = s.share.pending;
      if (pending === null || !s.text.file || s.gpu.status !== 'ready') return;
      if (link.text?.hash && hashFor(s.share.textHash, s.text.file) === undefined) return; // wait for the text's hash
      if (isGpuBusy(s)) return;
      patch({ pending: null });
      if (check.status === 'mismatch') {
        // Another model: the slider shows the link's value, but nothing runs by itself.
        set((st) => ({ prune: { ...st.prune, sparsity: pending } }));
      } else if (link.vector) {
        void get().applyVector(link.vector, link.method.nm === 'heads' ? 'heads' : 'off', link.method.metric);
      } else {
        void get().commitSparsity(pending);
      }
    },

    noteTextHash(which, value) {
      patch(which === 'text' ? { textHash: value } : { calibHash: value });
      get().followLink();
    },

    dismissLink() { patch({ link: null, linkIsOwn: false, modelCheck: null, pending: null }); },
    dismissLinkError() { patch({ linkError: null }); },
  };
}
