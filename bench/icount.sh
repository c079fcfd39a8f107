#!/usr/bin/env bash
# icount.sh — host instructions per full-walk and per TLB-hit translation (callgrind), for a
# build of the library: the difference of two runs of bench/ab_icount.c, so set-up cancels.
#   bash bench/icount.sh path/to/libmmusim.a
set -euo pipefail
lib=${1:?usage: icount.sh path/to/libmmusim.a}
here=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d /tmp/icount.XXXXXX)
trap 'rm -rf "$d"' EXIT
gcc -O2 -I"$here/c_api" "$here/bench/ab_icount.c" "$lib" -ljansson -lm -o "$d/ab"
ir() {
  valgrind --tool=callgrind --callgrind-out-file="$d/cg" "$d/ab" "$@" 2>&1 |
    awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}
for mode in walk hit; do
  a=$(ir "$mode" 40000)
  b=$(ir "$mode" 80000)
  echo "$mode: $(((b - a) / 40000)) instructions per translation"
done
