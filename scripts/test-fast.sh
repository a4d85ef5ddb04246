#!/usr/bin/env bash
# The fast tier for the edit loop: typecheck + the `fast` vitest project (no CLI calls, tiny models), timed.
set -euo pipefail
cd "$(dirname "$0")/.."
export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json} XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
t0=$SECONDS
npx tsc --noEmit -p .
echo "== typecheck passed in $((SECONDS - t0)) s"
t1=$SECONDS
npx vitest run --project fast
echo "== fast tier passed in $((SECONDS - t1)) s (total $((SECONDS - t0)) s)"
