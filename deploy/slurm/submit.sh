#!/usr/bin/env bash
# Submits a sharded alliance-sim run and its merge step to Slurm.
#
#   deploy/slurm/submit.sh SCENARIO TRIALS SEED SHARDS OUT
#   deploy/slurm/submit.sh kazakhstan-2022 1000000000 1 16 "$PWD/parts"
#
# Prints the array job id and the merge job id (one per line). The merged
# summary lands in OUT/summary.txt (and .json, .csv). ALLIANCE_SIM may name
# the binary when it is not on PATH.
set -euo pipefail
if [ $# -ne 5 ]; then
    sed -n '2,9p' "$0" >&2
    exit 2
fi
scenario=$1 trials=$2 seed=$3 shards=$4 out=$5
# Tasks run in OUT: a scenario file is passed by its absolute path.
if [ -e "$scenario" ]; then scenario=$(realpath "$scenario"); fi
out=$(realpath -m "$out")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
array=$(sbatch --parsable --array="1-$shards" --chdir="$out" \
    --export="ALL,SCENARIO=$scenario,TRIALS=$trials,SEED=$seed,SHARDS=$shards,OUT=$out" \
    "$here/shards.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --chdir="$out" --export="ALL,OUT=$out,SCENARIO=$scenario" \
    "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array"
echo "$merge"
