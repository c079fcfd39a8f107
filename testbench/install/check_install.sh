#!/usr/bin/env bash
# check_install.sh BUILD_DIR CONSUMER_SRC WORK_DIR — install, then build a consumer both ways.
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/mmusim.h"
# 1. find_package(mmusim)
flags=${CONSUMER_FLAGS:-}
cmake -S "$src" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/cm" >/dev/null
out=$("$work/cm/consumer")
echo "find_package: $out"
grep -q "pa=0x200234 fault=none" <<<"$out"
# 2. pkg-config (static library: --static pulls in jansson and libm)
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig:${PKG_CONFIG_PATH:-}
cc -std=c11 $flags $(pkg-config --cflags mmusim) "$src/consumer.c" -o "$work/consumer_pc" \
   $(pkg-config --static --libs mmusim)
out=$("$work/consumer_pc")
echo "pkg-config: $out"
grep -q "pa=0x200234 fault=none" <<<"$out"
