#!/bin/sh
# Builds the example tool plugin the way its README says, with pkg-config finding the
# uninstalled sprig-tool.pc of this build: build-tool-example.sh PC_DIR SOURCE OUTPUT CC...
set -eu
pc_dir=$1 src=$2 out=$3
shift 3
PKG_CONFIG_PATH=$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
# shellcheck disable=SC2046
exec "$@" -shared -fPIC -o "$out" "$src" $(pkg-config --cflags --libs sprig-tool json-glib-1.0)
