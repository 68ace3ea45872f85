#!/usr/bin/env bash
# Runs bench/contention for every mode and writes bench/results/contention.csv,
# contention.md (tables, single-thread overheads, the expectations checked)
# and contention.png (gnuplot: throughput against threads, a line per mode,
# a panel per workload).
#
#   contention.sh [ops] [reps] [rounds]     defaults: 20000000 5 11
#
# Two phases.  Single thread: the three builds run one after another,
# `rounds` times over (gil, atomic, biased, gil, ...).  A mode's cost against
# gil is the median, over rounds, of its time divided by gil's in the same
# round: runs seconds apart see the same machine, so a slow stretch of a
# shared machine cancels out instead of landing on one mode.
# Scaling: each build runs 1, 2, 4 and 8 threads, best of `reps`, in three
# passes over the builds; each point keeps the best pass.
set -euo pipefail
cd "$(dirname "$0")/.."
ops=${1:-20000000}
reps=${2:-5}
rounds=${3:-11}
out=bench/results
modes="gil atomic biased"
workloads="private shared shared-immortal tuple-churn handoff control"
mkdir -p "$out"
for mode in $modes; do make -s MODE=$mode build/$mode/bench/contention >/dev/null; done

# ---- phase 1: single-thread overheads, builds alternating ------------------
single=$out/.single.csv
: > "$single"
for r in $(seq "$rounds"); do
  for mode in $modes; do
    ./build/$mode/bench/contention "$ops" 3 1 | grep -v '^mode,' | grep -v '^#' |
      sed "s/^/$r,/" >> "$single"
  done
done
best() {  # best seconds of mode $1, workload $2 in phase 1
  awk -F, -v m="$1" -v w="$2" '$2==m && $3==w {if (b=="" || $6<b) b=$6} END {print b}' "$single"
}
paired() {  # median over rounds of (mode $1 / gil) for workload $2
  awk -F, -v m="$1" -v w="$2" '$3==w && $2==m {t[$1]=$6} $3==w && $2=="gil" {g[$1]=$6}
    END {for (r in t) if (r in g) print t[r] / g[r]}' "$single" |
    sort -g | awk '{v[NR]=$1} END {printf "%.2f", NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'
}

# ---- phase 2: scaling -------------------------------------------------------
csv=$out/contention.csv
raw=$out/.scaling.csv
: > "$raw"
notes=""
for pass in 1 2 3; do
  for mode in $modes; do
    ./build/$mode/bench/contention "$ops" "$reps" > "$out/.raw-$mode"
    grep -v '^mode,' "$out/.raw-$mode" | grep -v '^#' >> "$raw"
    [ "$pass" = 3 ] && notes="$notes$(grep '^#' "$out/.raw-$mode" | sed 's/^# //')"$'\n'
    rm -f "$out/.raw-$mode"
  done
done
{
  echo "mode,workload,threads,ops,seconds,mops"
  awk -F, '{k=$1","$2","$3; if (!(k in best) || $5 < sec[k]) {best[k]=$0; sec[k]=$5}}
    END {for (k in best) print best[k]}' "$raw" | sort -t, -k1,1 -k2,2 -k3,3n
} > "$csv"
rm -f "$raw"
mops() {  # Mops/s of mode $1, workload $2, threads $3 in phase 2
  awk -F, -v m="$1" -v w="$2" -v n="$3" '$1==m && $2==w && $3==n {print $6}' "$csv"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
check() {  # check NAME VALUE OP LIMIT: one row of the expectations table
  local ok
  ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {print (op == "<=" ? v <= l : v >= l) ? "met" : "missed"}')
  echo "| $1 | $2 | $3 $4 | $ok |"
}

# ---- tables ------------------------------------------------------------------
{
  echo "# Refcount contention"
  echo
  echo "Machine: $(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1))."
  echo "One op = one incref+decref pair; tuple-churn: one 2-tuple built and freed;"
  echo "handoff: one int made, appended to a shared list, one popped and freed;"
  echo "control: no pym, a counter on the thread's own stack: what the machine itself scales to"
  echo "(in the gil build the threads still hold the GIL while they count, so it stays flat there)."
  echo "Scaling: Mops/s summed over all threads (total ops / wall time), best of $reps;"
  echo "$ops ops per thread ($((ops / 8)) for tuple-churn and handoff)."
  echo
  echo "## Single-thread cost against gil"
  echo
  echo "The builds alternate (gil, atomic, biased, gil, ...) for $rounds rounds of 3 runs each."
  echo "ns/op: the best run of each build.  Ratios: the median over rounds of the"
  echo "build's best time divided by gil's best time in the same round."
  echo
  echo "| workload | gil ns/op | atomic ns/op | biased ns/op | atomic / gil | biased / gil |"
  echo "|---|---|---|---|---|---|"
  for wl in $workloads; do
    n=$ops; case $wl in tuple-churn|handoff) n=$((ops / 8));; esac
    g=$(best gil "$wl"); a=$(best atomic "$wl"); b=$(best biased "$wl")
    printf '| %s | %.2f | %.2f | %.2f | %s | %s |\n' "$wl" \
      "$(awk -v t="$g" -v n="$n" 'BEGIN {print t * 1e9 / n}')" \
      "$(awk -v t="$a" -v n="$n" 'BEGIN {print t * 1e9 / n}')" \
      "$(awk -v t="$b" -v n="$n" 'BEGIN {print t * 1e9 / n}')" \
      "$(paired atomic "$wl")" "$(paired biased "$wl")"
  done
  for wl in $workloads; do
    echo
    echo "## $wl (Mops/s)"
    echo
    echo "| threads | gil | atomic | biased |"
    echo "|---|---|---|---|"
    for n in 1 2 4 8; do
      echo "| $n | $(mops gil "$wl" $n) | $(mops atomic "$wl" $n) | $(mops biased "$wl" $n) |"
    done
  done
  echo
  echo "## Expectations"
  echo
  echo "| expectation | measured | target | |"
  echo "|---|---|---|---|"
  check "biased / gil, one thread, tuple-churn" "$(paired biased tuple-churn)" "<=" 1.10
  check "atomic / gil, one thread, private (the cost of a lock prefix)" \
    "$(paired atomic private)" ">=" 1.50
  for mode in atomic biased; do
    check "$mode private, 2 threads / 1 thread" \
      "$(ratio "$(mops $mode private 2)" "$(mops $mode private 1)")" ">=" 1.80
  done
  echo "| (machine) control, 2 threads / 1 thread, atomic build (no GIL) | $(ratio "$(mops atomic control 2)" "$(mops atomic control 1)") | | the bound for every scaling row |"
  check "atomic shared mortal, 2 threads / 1 thread (collapses)" \
    "$(ratio "$(mops atomic shared 2)" "$(mops atomic shared 1)")" "<=" 0.75
  for mode in atomic biased; do
    check "$mode shared immortal, 2 threads / 1 thread (scales)" \
      "$(ratio "$(mops $mode shared-immortal 2)" "$(mops $mode shared-immortal 1)")" ">=" 1.50
  done
  check "gil private, 8 threads / 1 thread (flat)" \
    "$(ratio "$(mops gil private 8)" "$(mops gil private 1)")" ">=" 0.75
  echo
  echo "## Biased counting bookkeeping (scaling phase)"
  echo
  printf '%s' "$notes" | grep '^biased' | sed 's/^/- /'
} > "$out/contention.md"
rm -f "$single"

if command -v gnuplot >/dev/null; then
  # One data file per workload, one block per mode (gnuplot's "index").
  for wl in $workloads; do
    for mode in $modes; do
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
do for [wl in "$workloads"] {
  set title wl
  plot for [i=0:2] "$out/.plot-".wl.".dat" index i using 1:2 with linespoints lw 2 \
       title word("$modes", i+1)
}
unset multiplot
GP
  rm -f "$out"/.plot-*.dat
fi
cat "$out/contention.md"
