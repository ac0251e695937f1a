#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Benchmark of the CPU backend (not a test): measures, in one run on this machine, the
# read bandwidth with N threads (tools/membw.c), then decode and prefill speed on
# Bonsai-1.7B- and 8B-shaped models (Q1_0) and a BitNet-b1.58-2B-shaped one (TQ2_0,
# F16 tied embeddings) written by `sprig-cli mkmodel`, and prints tok/s,
# effective weight GB/s (model bytes x decode tok/s), its fraction of the bandwidth,
# and peak RSS. Uses `sprig-cli bench` when the CLI has it, else tools/bench-decode.c.
#
# Usage: tools/bench-cpu.sh [BUILD_DIR] [--threads N] [--pp N] [--tg N]
#                           [--shapes "1.7b 8b bitnet-2b"]
# Models are cached in $SPRIG_BENCH_DIR (default: $BUILD_DIR/bench-models).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/_build-cpu
threads=2 pp=128 tg=64 shapes="1.7b 8b bitnet-2b"
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --pp) pp=$2; shift 2 ;;
    --tg) tg=$2; shift 2 ;;
    --shapes) shapes=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) build=$(cd "$1" && pwd); shift ;;
  esac
done
cli=$build/engine/cli/sprig-cli
[ -x "$cli" ] || { echo "no sprig-cli in $build (ninja -C $build first)" >&2; exit 1; }
export SPRIG_PLUGIN_PATH=$build/plugins/cpu
models=${SPRIG_BENCH_DIR:-$build/bench-models}
tools=$build/bench-tools
mkdir -p "$models" "$tools"

cc=${CC:-cc}
$cc -O2 -march=native -pthread -o "$tools/membw" "$src/tools/membw.c"
if ! "$cli" --help 2>&1 | grep -q '^  bench'; then
  # shellcheck disable=SC2046
  $cc -O2 -o "$tools/bench-decode" "$src/tools/bench-decode.c" -I"$src/engine/include" \
    $(pkg-config --cflags --libs glib-2.0 gio-2.0) -L"$build/engine" -lsprig-engine \
    -Wl,-rpath,"$build/engine"
fi

json_field () {  # json_field KEY JSON
  printf '%s\n' "$2" | sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

bw=$(json_field read_gb_s "$("$tools/membw" --threads "$threads" --json)")
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "read bandwidth, $threads threads: $bw GB/s"

for shape in $shapes; do
  case $shape in
    bitnet-*) name=$shape-tq2_0 mk="--arch bitnet --shape $shape --type tq2_0" ;;
    *) name=bonsai-$shape mk="--shape bonsai-$shape" ;;
  esac
  model=$models/$name.gguf
  if [ ! -f "$model" ]; then
    echo "writing $model ..."
    # shellcheck disable=SC2086
    "$cli" mkmodel "$model" $mk >/dev/null
  fi
  # decode and prefill in separate runs so each gets its own peak RSS
  for run in "--pp $pp --tg 0" "--pp 1 --tg $tg"; do
    # shellcheck disable=SC2086
    if [ -x "$tools/bench-decode" ]; then
      cmd="$tools/bench-decode $model $run --threads $threads --backend cpu"
    else
      cmd="$cli bench $model $run --threads $threads --backend cpu --json"
    fi
    # shellcheck disable=SC2086
    out=$(/usr/bin/time -f 'maxrss_kb=%M' -o "$tools/time.txt" $cmd)
    echo "  $out" >&2
    case $run in
      *"--tg 0") pp_tok_s=$(json_field pp_tok_s "$out") ;;
      *) tg_tok_s=$(json_field tg_tok_s "$out")
         bytes=$(json_field model_bytes "$out")
         rss_kb=$(sed -n 's/maxrss_kb=//p' "$tools/time.txt") ;;
    esac
  done
  awk -v s="$name" -v pp="$pp_tok_s" -v tg="$tg_tok_s" -v b="$bytes" -v bw="$bw" \
      -v rss="$rss_kb" -v f="$(stat -c %s "$model")" 'BEGIN {
    gbs = b * tg / 1e9;
    printf "%s: prefill %.1f tok/s, decode %.1f tok/s = %.1f GB/s of weights = %.0f%% of %.1f GB/s; peak RSS decoding %.0f MB (file %.0f MB)\n",
           s, pp, tg, gbs, 100 * gbs / bw, bw, rss / 1024, f / 1048576
  }'
done
