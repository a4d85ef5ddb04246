// apply_masks.py, written next to every export: a short PyTorch snippet for users who continue in PyTorch.
// Masked exports store pruned weights as exact zeros, so the masks are `weight != 0`; the script loads the folder
// with transformers, rebuilds the masks and can re-apply them (after each fine-tuning step, or onto the original
// dense checkpoint). Compact exports are physically smaller; a per-layer compact export cannot be loaded by
// transformers, and the script says so instead of failing obscurely. After SparseGPT the kept weights were also
// updated: the masks re-applied onto the original checkpoint do not give the exported model, and the script says so.
import type { ExportVariant } from './export-model.ts';

export const APPLY_MASKS_FILE = 'apply_masks.py';

/** `weightsUpdatedBy`: the method that also updated the kept weights (e.g. 'sparsegpt'), absent when only masked. */
export function applyMasksScript(variant: ExportVariant, expectedSparsity: number, weightsUpdatedBy?: string): string {
  const updated = weightsUpdatedBy !== undefined;
  const updatedNote = updated ? `
WEIGHTS UPDATED: this model was pruned by ${weightsUpdatedBy}, which also changed the KEPT weights (error compensation),
not only zeroed the pruned ones. The masks applied to the ORIGINAL dense checkpoint therefore give the original weights
with the same zeros, NOT this model (a different, usually worse model). To continue from the pruned model, load
EXPORT_DIR itself; apply_masks(model, masks) while fine-tuning it is fine.
` : '';
  return `"""Prunelab export (${variant}): rebuild and re-apply the pruning masks in PyTorch.
${updatedNote}
Usage:  python apply_masks.py [EXPORT_DIR] [ORIGINAL_DENSE_MODEL]
  - loads EXPORT_DIR with transformers and prints the sparsity of its linear maps;
  - with ORIGINAL_DENSE_MODEL (a HF folder or hub id), also applies the masks to it and saves it to EXPORT_DIR/remasked.
While fine-tuning the pruned model, call apply_masks(model, masks) after every optimizer.step() to keep pruned weights at 0.
"""
import sys
import torch
from transformers import AutoModelForCausalLM

VARIANT = "${variant}"
WEIGHTS_UPDATED_BY = ${updated ? `"${weightsUpdatedBy}"` : 'None'}  # set when the kept weights were updated, not only masked
EXPECTED_SPARSITY = ${expectedSparsity.toFixed(6)}  # mean over layers of the pruned fraction of q,k,v,o,gate,up,down
LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def masks_of(model):
    """{parameter name: bool tensor}, True = kept. Pruned weights were exported as exact zeros."""
    return {n: p.detach() != 0 for n, p in model.named_parameters() if n.split(".")[-2] in LINEAR}


@torch.no_grad()
def apply_masks(model, masks):
    params = dict(model.named_parameters())
    for name, mask in masks.items():
        params[name].mul_(mask.to(params[name].device, params[name].dtype))


if __name__ == "__main__":
    if VARIANT == "compact-prunelab":
        sys.exit("This compact export has per-layer head counts / MLP widths (config.json 'prunelab' field): "
                 "transformers cannot build it. Load it in Prunelab, or export with --format masked.")
    folder = sys.argv[1] if len(sys.argv) > 1 else "."
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype="auto")
    masks = masks_of(model)
    weights = {n: m for n, m in masks.items() if n.endswith(".weight")}
    kept = sum(int(m.sum()) for m in weights.values())
    total = sum(m.numel() for m in weights.values())
    print(f"{VARIANT}: {len(weights)} linear maps, zeros {1 - kept / total:.4f} (Prunelab reported {EXPECTED_SPARSITY:.4f}"
          f"{'; compact: removed units are gone, not zero' if VARIANT.startswith('compact') else ''})")
    if len(sys.argv) > 2:
        if VARIANT != "masked":
            sys.exit("re-applying onto the dense model needs a masked export (shapes differ)")
        if WEIGHTS_UPDATED_BY:
            print(f"note: {WEIGHTS_UPDATED_BY} updated the kept weights of this export; {folder}/remasked will hold the "
                  "ORIGINAL weights with these masks, which is NOT this pruned model (load the export itself for that)")
        dense = AutoModelForCausalLM.from_pretrained(sys.argv[2], torch_dtype="auto")
        apply_masks(dense, masks)
        dense.save_pretrained(f"{folder}/remasked")
`;
}
