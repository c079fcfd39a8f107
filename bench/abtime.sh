#!/usr/bin/env bash
# abtime.sh — wall time of programs built from bench/ab_icount.c against different builds of the
# library, run round-robin so that a noisy machine slows them alike; prints each one's minimum.
#   bash bench/abtime.sh walk|hit N ROUNDS prog...     e.g. bash bench/abtime.sh walk 5000000 6 ./a ./b
set -euo pipefail
mode=${1:?usage: abtime.sh walk|hit N ROUNDS prog...}
n=${2:?N}
rounds=${3:?ROUNDS}
shift 3
declare -A best
for p in "$@"; do best[$p]=; done
for ((i = 0; i < rounds; i++)); do
  for p in "$@"; do
    s=$(date +%s%N)
    "$p" "$mode" "$n" >/dev/null
    t=$(($(date +%s%N) - s))
    if [[ -z ${best[$p]} || $t -lt ${best[$p]} ]]; then best[$p]=$t; fi
  done
done
for p in "$@"; do
  t=${best[$p]}
  awk -v p="$p" -v t="$t" -v n="$n" 'BEGIN { printf "%s: %.3f s, %.2f M/s\n", p, t / 1e9, n / (t / 1e9) / 1e6 }'
done
