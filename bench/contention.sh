#!/usr/bin/env bash
# Runs bench/contention for every mode and writes bench/results/contention.csv,
# contention.md (tables) and contention.png (gnuplot: throughput against
# threads, a line per mode, a panel per workload).  Usage: contention.sh [ops] [reps]
set -euo pipefail
cd "$(dirname "$0")/.."
ops=${1:-4000000}
reps=${2:-3}
out=bench/results
mkdir -p "$out"
csv=$out/contention.csv
echo "mode,workload,threads,ops,seconds,mops" > "$csv"
notes=""
for mode in gil atomic biased; do
  make -s MODE=$mode build/$mode/bench/contention >/dev/null
  ./build/$mode/bench/contention "$ops" "$reps" > "$out/.raw-$mode"
  grep -v '^mode,' "$out/.raw-$mode" | grep -v '^#' >> "$csv"
  notes="$notes$(grep '^#' "$out/.raw-$mode" | sed 's/^# //')"$'\n'
  rm -f "$out/.raw-$mode"
done

# Tables: Mops/s per workload, and overhead against gil at one thread.
{
  echo "# Refcount contention (Mops/s, best of $reps; $ops ops per thread)"
  echo
  echo "Machine: $(nproc) cores. One op = one incref+decref pair (tuple-churn: one 2-tuple built and freed; handoff: one int made, pushed, popped and freed)."
  for wl in private shared shared-immortal tuple-churn handoff; do
    echo
    echo "## $wl"
    echo
    echo "| threads | gil | atomic | biased |"
    echo "|---|---|---|---|"
    for n in 1 2 4 8; do
      row="| $n"
      for mode in gil atomic biased; do
        v=$(awk -F, -v m=$mode -v w=$wl -v n=$n '$1==m && $2==w && $3==n {print $6}' "$csv")
        row="$row | $v"
      done
      echo "$row |"
    done
  done
  echo
  echo "## Single-thread overhead against gil"
  echo
  echo "| workload | atomic / gil time | biased / gil time |"
  echo "|---|---|---|"
  for wl in private shared shared-immortal tuple-churn handoff; do
    g=$(awk -F, -v w=$wl '$1=="gil" && $2==w && $3==1 {print $5}' "$csv")
    a=$(awk -F, -v w=$wl '$1=="atomic" && $2==w && $3==1 {print $5}' "$csv")
    b=$(awk -F, -v w=$wl '$1=="biased" && $2==w && $3==1 {print $5}' "$csv")
    echo "| $wl | $(awk -v a=$a -v g=$g 'BEGIN{printf "%.2f", a/g}') | $(awk -v b=$b -v g=$g 'BEGIN{printf "%.2f", b/g}') |"
  done
  echo
  echo "## Biased counting bookkeeping"
  echo
  printf '%s' "$notes" | grep biased | sed 's/^/- /'
} > "$out/contention.md"

if command -v gnuplot >/dev/null; then
  # One data file per workload, one block per mode (gnuplot's "index").
  for wl in private shared shared-immortal tuple-churn handoff; do
    for mode in gil atomic biased; do
      awk -F, -v m=$mode -v w=$wl '$1==m && $2==w {print $3, $6}' "$csv"
      printf '\n\n'
    done > "$out/.plot-$wl.dat"
  done
  gnuplot <<GP
set terminal pngcairo size 1500,900 noenhanced
set output "$out/contention.png"
set multiplot layout 2,3 title "pym refcount throughput against threads (Mops/s, log scale; machine: $(nproc) cores)"
set key bottom left
set logscale xy 2
set xrange [0.8:10]
set xtics (1,2,4,8)
set xlabel "threads"
set ylabel "Mops/s"
do for [wl in "private shared shared-immortal tuple-churn handoff"] {
  set title wl
  plot for [i=0:2] "$out/.plot-".wl.".dat" index i using 1:2 with linespoints lw 2 \
       title word("gil atomic biased", i+1)
}
unset multiplot
GP
  rm -f "$out"/.plot-*.dat
fi
cat "$out/contention.md"
