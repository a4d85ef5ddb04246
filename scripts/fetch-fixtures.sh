#!/usr/bin/env bash
# Puts the test fixtures where the tests read them ($PRUNELAB_FIXTURES, default ../shared/fixtures next to the
# repository) from their public upstream copies, then checks every file against scripts/fixtures.sha256.
# Files that exist already are only checked. Files with no public upstream copy (Prunelab's own conversions of
# stories260K and the small task sets) are listed at the end; get them from a Prunelab developer's fixture folder.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${PRUNELAB_FIXTURES:-../shared/fixtures}
SUMS=$PWD/scripts/fixtures.sha256
mkdir -p "$DEST"
cd "$DEST"

HF=https://huggingface.co
fetch() { # fetch PATH URL [first N bytes]
  local path=$1 url=$2 bytes=${3:-}
  [[ -f $path ]] && return 0
  echo "== $path <- $url${bytes:+ (first $bytes bytes)}"
  mkdir -p "$(dirname "$path")"
  if [[ -n $bytes ]]; then curl -fsSL "$url" | head -c "$bytes" > "$path.part"; else curl -fsSL -o "$path.part" "$url"; fi
  mv "$path.part" "$path"
}

fetch models/stories260K-llama2c/stories260K.bin "$HF/karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin"
fetch models/stories260K-llama2c/tok512.bin "$HF/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin"
fetch text/tinystories/validation-prefix.txt "$HF/datasets/roneneldan/TinyStories/resolve/main/TinyStories-valid.txt" 794375
fetch text/wikitext-2-raw/wiki.test.raw "$HF/datasets/Salesforce/wikitext/resolve/main/wikitext-2-raw-v1/wiki.test.raw" || \
  echo "   (WikiText-2 raw test: if the Hub has only parquet, unzip wikitext-2-raw-v1.zip's wiki.test.raw here)"

missing=0
while read -r sum path; do
  if [[ ! -f $path ]]; then echo "missing: $path (no public upstream copy: ask a Prunelab developer)"; missing=1; continue; fi
  echo "$sum  $path" | sha256sum -c --quiet - || { echo "checksum differs: $path"; missing=1; }
done < "$SUMS"
[[ $missing == 0 ]] && echo "== all fixtures present and verified in $DEST"
exit $missing
