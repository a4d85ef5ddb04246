#!/usr/bin/env bash
# Runs every test: typecheck, unit/property tests (vitest, Node WebGPU), end-to-end (Playwright, Chromium).
# WebGPU runs on SwiftShader's Vulkan from Debian's chromium package when there is no GPU (docs/design.md).
set -euo pipefail
cd "$(dirname "$0")/.."

ICD=/usr/lib/chromium/vk_swiftshader_icd.json

have_vulkan_loader() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || ls /usr/lib/*/libvulkan.so.1 >/dev/null 2>&1; }

if [[ ! -x /usr/bin/chromium ]] || ! have_vulkan_loader; then
  echo "== installing chromium + libvulkan1 (apt-get)"
  SUDO=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
      echo "error: chromium or libvulkan1 is missing and this user cannot install packages (not root, no sudo)." >&2
      echo "       install them with: apt-get install -y chromium libvulkan1" >&2
      exit 1
    fi
  fi
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium libvulkan1
fi

if [[ ! -f "$ICD" ]]; then
  echo "error: $ICD not found: Debian's chromium package should ship SwiftShader's Vulkan ICD there." >&2
  exit 1
fi
export VK_ICD_FILENAMES="$ICD"
export XDG_RUNTIME_DIR=/tmp

step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "== $name: $*"
  "$@"
  echo "== $name passed in $((SECONDS - t0)) s"
}

FIXTURES=${PRUNELAB_FIXTURES:-../shared/fixtures}
if [[ ! -f "$FIXTURES/models/stories260K/model.safetensors" ]]; then
  echo "error: the test fixtures are not in $FIXTURES (set PRUNELAB_FIXTURES to their folder)." >&2
  echo "       bash scripts/fetch-fixtures.sh fetches the public ones and says which are missing (README: Test data)." >&2
  exit 1
fi

t_all=$SECONDS
step typecheck npx tsc --noEmit -p .
step unit-fast npx vitest run --project fast
step unit-slow npx vitest run --project slow
step e2e npx playwright test
echo "== all tests passed in $((SECONDS - t_all)) s"
