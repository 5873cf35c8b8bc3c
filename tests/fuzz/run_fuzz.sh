#!/usr/bin/env bash
# Offline fuzz campaign (not part of CI): two processes, one per core, different seeds.
#
#   tests/fuzz/run_fuzz.sh [RUNS_PER_PROCESS] [WORK_DIR (default: $TMPDIR/hwgrader-fuzz)]
#
# Process 1 is coverage-guided (atheris/libFuzzer, inputs up to 4 KiB) when atheris is
# installed (`.venv/bin/pip install atheris`), else a second random driver; process 2 is the
# random-mutation driver (inputs up to 20 KiB, which reach the length and size limits).
# Both start from the seeds of fuzz_answers.py (the adversarial corpus and the answer-form
# table). Crash and slow inputs are saved as WORK_DIR/p<N>-crash-<sha1>; each process writes
# its summary to WORK_DIR/p<N>.summary and its log to WORK_DIR/p<N>.log. Exit status: 0 when
# neither process found a crash or a hang.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-1000000}"
WORK="${2:-${TMPDIR:-/tmp}/hwgrader-fuzz}"
PY=.venv/bin/python
mkdir -p "$WORK/seeds" "$WORK/corpus1"
"$PY" tests/fuzz/fuzz_answers.py -seed_dir="$WORK/seeds" >/dev/null

if "$PY" -c "import atheris" 2>/dev/null; then
  DRIVER1=(-driver=atheris "$WORK/corpus1" "$WORK/seeds" -max_len=4096)
else
  DRIVER1=(-driver=random -max_len=20000 "$WORK/seeds")
fi
start=$(date +%s)
"$PY" tests/fuzz/fuzz_answers.py "${DRIVER1[@]}" -runs="$RUNS" -seed=1 \
  -artifact_prefix="$WORK/p1-" -summary_file="$WORK/p1.summary" >"$WORK/p1.log" 2>&1 &
pid1=$!
"$PY" tests/fuzz/fuzz_answers.py -driver=random -runs="$RUNS" -seed=2 -max_len=20000 \
  -artifact_prefix="$WORK/p2-" -summary_file="$WORK/p2.summary" >"$WORK/p2.log" 2>&1 &
pid2=$!
wait "$pid1"; rc1=$?
wait "$pid2"; rc2=$?
end=$(date +%s)
echo "fuzz campaign: $((end - start)) s wall, exit codes $rc1 $rc2"
cat "$WORK/p1.summary" "$WORK/p2.summary" 2>/dev/null
ls "$WORK" | grep -E '^p[12]-(crash|hang)-' && exit 1
[ "$rc1" -le 1 ] && [ "$rc2" -le 1 ] || exit 1
exit 0
