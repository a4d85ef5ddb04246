#!/usr/bin/env python3
"""The peer for `prunelab bench`: Hugging Face transformers on the SAME model folder and the SAME token windows.

    npx prunelab bench --model DIR --text FILE --save-windows windows.json --json > prunelab.json
    python bench/peer-pytorch.py DIR --windows windows.json --prunelab prunelab.json

Prints tokens/s of one evaluation of the windows for bf16 with sdpa attention and for f32 with eager attention, both
batch 1 (one window per forward call, as Prunelab evaluates), the perplexity of each (exp of the mean next-token NLL
over every window, Prunelab's protocol: docs/algorithms.md section 1), and with --prunelab the ratio Prunelab /
PyTorch. Timing: one warm-up window, then the median of --rounds full passes over the windows; each window's NLL
is read back to the host (.item()) as Prunelab reads its NLL sum back.

Needs torch and transformers (>= 4.40). Only Hugging Face folders or Hub ids (`hub:owner/name` or `owner/name`);
llama2.c and GGUF files are Prunelab-only. UNTESTED: written without PyTorch at hand (see docs/benchmarks.md).
"""
import argparse
import json
import math
import statistics
import sys
import time

WINDOWS_FORMAT = "prunelab-bench-windows/1"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="model folder (config.json + safetensors) or Hub id; a 'hub:' prefix is dropped")
    p.add_argument("--windows", required=True, help="the JSON file `prunelab bench --save-windows FILE` wrote")
    p.add_argument("--prunelab", help="`prunelab bench --json` output (its last line is the report) for the ratios")
    p.add_argument("--device", default="cuda", help="torch device (default cuda)")
    p.add_argument("--rounds", type=int, default=3, help="timed passes over the windows; the median is reported")
    p.add_argument("--configs", default="bf16-sdpa,f32-eager", help="comma-separated: bf16-sdpa, f32-eager")
    p.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    return p.parse_args()


def load_windows(path):
    with open(path, encoding="utf-8") as f:
        w = json.load(f)
    if w.get("format") != WINDOWS_FORMAT:
        sys.exit(f"peer-pytorch: {path} is not a {WINDOWS_FORMAT} file (format {w.get('format')!r})")
    windows = w["evaluation"]
    if not windows or any(len(x) != w["seqLen"] for x in windows):
        sys.exit(f"peer-pytorch: {path}: every evaluation window must have seqLen={w['seqLen']} tokens")
    return w, windows


def load_prunelab(path):
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    return json.loads(lines[-1])


def dtype_kwarg(transformers):
    # transformers 4.56 renamed from_pretrained's torch_dtype to dtype (5.x drops the old name).
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def measure(torch, transformers, model_id, windows, device, dtype, attn, rounds):
    """tokens/s (median of rounds), seconds, perplexity and NLL of one pass over the windows."""
    model = transformers.AutoModelForCausalLM.from_pretrained(
        model_id, **{dtype_kwarg(transformers): dtype}, attn_implementation=attn).to(device).eval()
    vocab = model.config.vocab_size
    if max(max(w) for w in windows) >= vocab:
        sys.exit(f"peer-pytorch: the windows hold token ids >= the model's vocab_size {vocab}: not the same model?")
    inputs = [torch.tensor([w], dtype=torch.long, device=device) for w in windows]
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)

    def window_nll(ids):
        logits = model(input_ids=ids, use_cache=False).logits[0, :-1].float()
        return torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="sum").item()

    with torch.inference_mode():
        window_nll(inputs[0])  # warm-up: kernels, allocator, lazy init
        passes = []
        for _ in range(rounds):
            sync()
            t = time.perf_counter()
            total = sum(window_nll(ids) for ids in inputs)
            sync()
            passes.append((time.perf_counter() - t, total))
    seconds = statistics.median(s for s, _ in passes)
    predicted = len(windows) * (len(windows[0]) - 1)
    nll = passes[0][1] / predicted
    del model
    if str(device).startswith("cuda"):
        torch.cuda.empty_cache()
    return {"seconds": seconds, "tokensPerSecond": len(windows) * len(windows[0]) / seconds, "ppl": math.exp(nll), "nll": nll}


def main():
    args = parse_args()
    import torch
    import transformers

    meta, windows = load_windows(args.windows)
    prunelab = load_prunelab(args.prunelab) if args.prunelab else None
    if prunelab is not None:
        p = prunelab.get("protocol", {})
        same = (p.get("seqLen"), p.get("windows"), p.get("modelHash")) == (meta["seqLen"], len(windows), meta.get("modelHash"))
        if not same:
            print("peer-pytorch: warning: the Prunelab report was not made with these windows / this model "
                  f"(report {p.get('windows')} x {p.get('seqLen')}, model {str(p.get('modelHash'))[:12]}; "
                  f"windows file {len(windows)} x {meta['seqLen']}, model {str(meta.get('modelHash'))[:12]})", file=sys.stderr)
    model_id = args.model[len("hub:"):] if args.model.startswith("hub:") else args.model
    configs = {"bf16-sdpa": (torch.bfloat16, "sdpa"), "f32-eager": (torch.float32, "eager")}
    results = {}
    for name in args.configs.split(","):
        if name not in configs:
            sys.exit(f"peer-pytorch: unknown config {name!r} (expected {', '.join(configs)})")
        print(f"peer-pytorch: {name} ...", file=sys.stderr)
        results[name] = measure(torch, transformers, model_id, windows, args.device, *configs[name], args.rounds)

    device_name = torch.cuda.get_device_name() if str(args.device).startswith("cuda") else str(args.device)
    prunelab_tps = prunelab["dense"]["tokensPerSecond"] if prunelab else None
    for r in results.values():
        r["prunelabOverPytorch"] = prunelab_tps / r["tokensPerSecond"] if prunelab_tps else None
    report = {
        "device": device_name, "torch": torch.__version__, "transformers": transformers.__version__,
        "tf32Matmul": torch.backends.cuda.matmul.allow_tf32, "model": args.model, "windows": len(windows),
        "seqLen": meta["seqLen"], "rounds": args.rounds, "batch": 1, "results": results,
        "prunelab": None if prunelab is None else {
            "tokensPerSecond": prunelab_tps, "ppl": prunelab["dense"]["ppl"], "adapter": prunelab.get("adapter")},
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"device {device_name}; torch {torch.__version__}, transformers {transformers.__version__}; "
          f"{len(windows)} x {meta['seqLen']} windows, batch 1, median of {args.rounds} passes")
    print(f"{'run':<22} {'tok/s':>10} {'seconds':>9} {'perplexity':>12} {'Prunelab / PyTorch':>19}")
    for name, r in results.items():
        ratio = f"{r['prunelabOverPytorch']:.2f}" if r["prunelabOverPytorch"] else "-"
        print(f"{'PyTorch ' + name:<22} {r['tokensPerSecond']:>10.0f} {r['seconds']:>9.3f} {r['ppl']:>12.6f} {ratio:>19}")
    if prunelab:
        print(f"{'Prunelab dense':<22} {prunelab_tps:>10.0f} {prunelab['dense']['seconds']:>9.3f} {prunelab['dense']['ppl']:>12.6f}")


if __name__ == "__main__":
    main()
