#!/bin/sh
# Rebuild src/archqa/validate/js/mermaid-check.js.gz: Mermaid's own parsers in one file that runs
# without a DOM (in mini-racer's V8 or in Node). Needs Node and npm; run from the repository root.
#   sh scripts/mermaid/build.sh [mermaid-version]
# DOMPurify needs a DOM and only sanitises rendered labels, so it is replaced by a no-op stub;
# banner.js supplies TextEncoder/TextDecoder and structuredClone, which bare V8 lacks.
set -eu
VERSION="${1:-11.17.2}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/entry.js" "$HERE/stub-dompurify.js" "$WORK/"
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund "mermaid@$VERSION" esbuild@0.28 >/dev/null
npx esbuild entry.js --bundle --format=iife --platform=neutral --main-fields=module,main \
  --alias:dompurify=./stub-dompurify.js --minify --banner:js="$(cat "$HERE/banner.js")" \
  --outfile=mermaid-check.js --log-level=warning
cd - >/dev/null
gzip -9 -n -c "$WORK/mermaid-check.js" > src/archqa/validate/js/mermaid-check.js.gz
echo "mermaid $VERSION" > src/archqa/validate/js/VERSION
echo "wrote src/archqa/validate/js/mermaid-check.js.gz (mermaid $VERSION)"
