#!/usr/bin/env bash
# zoo on a GPU, one command, a few minutes on one card: the main job with trainer=gpu beside the CPU figures of
# docs/results.md, zoo.bench on the card at GPU sizes (T up to 8192), the precision and bench tests under CUDA,
# trainer=ddp over NCCL where there are 2+ cards.
#
#   scripts/gpu_check.sh [--dry-run] [STEP ...]     steps: env tests main bench-long bench-train ddp (default: all)
#
# Writes to $GPU_CHECK_DIR (default outputs/gpu_check): gpu_check.md (the figures and tables), gpu_check.log
# (everything), main_summary.json. Each step has its own time limit, and all of them together GPU_CHECK_BUDGET
# seconds (default 540, nine minutes); a step with no time left is skipped, saying so, and can be run by itself in a
# second call. Without a GPU the CUDA steps fail at once in one line and the script exits 1.
# On a GPU machine without network, first run scripts/gpu_prepare.sh on a machine with one and copy .gpu/ across
# (Hydra's wheels, the data).
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
BUDGET=${GPU_CHECK_BUDGET:-540}
OUT_DIR=${GPU_CHECK_DIR:-outputs/gpu_check}
RUNS=$(mktemp -d)  # run directories stay out of the report's directory, which holds the report and its log alone
ALL_STEPS=(env tests main bench-long bench-train ddp)
DRY=0
STEPS=()
for argument in "$@"; do
  case $argument in
    --dry-run) DRY=1 ;;
    env | tests | main | bench-long | bench-train | ddp) STEPS+=("$argument") ;;
    *) echo "gpu_check.sh: unknown argument '$argument' (steps: ${ALL_STEPS[*]}; --dry-run)" >&2
       exit 2 ;;
  esac
done
[ ${#STEPS[@]} -eq 0 ] && STEPS=("${ALL_STEPS[@]}")

mkdir -p "$OUT_DIR"
REPORT=$OUT_DIR/gpu_check.md
LOG=$OUT_DIR/gpu_check.log
: >"$REPORT"
: >"$LOG"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD WANDB_MODE=offline WANDB_SILENT=true
if [ -d .gpu/wheels ] && [ $DRY = 0 ]; then  # what the GPU image lacks (scripts/gpu_prepare.sh)
  $PYTHON -m pip install -q --no-index --no-deps --no-compile --target "$RUNS/site" .gpu/wheels/*.whl >>"$LOG" 2>&1 &&
    export PYTHONPATH=$RUNS/site:$PWD
fi
DATA=()
[ ! -f /usr/share/trans/de-en ] && [ -f .gpu/de-en ] && DATA=("data.path=$PWD/.gpu/de-en")

say() { echo "$*" | tee -a "$REPORT"; }
STARTED=$SECONDS

# step NAME LIMIT KEEP COMMAND...: run COMMAND for at most LIMIT seconds (less if the budget is nearly spent);
# KEEP=all puts its whole stdout into the report, KEEP=tail its last lines, KEEP=none nothing (the log has it all)
step() {
  local name=$1 limit=$2 keep=$3
  shift 3
  local left=$((BUDGET - (SECONDS - STARTED)))
  [ "$left" -lt "$limit" ] && limit=$left
  say ""
  say "## $name"
  say ""
  say "\`$*\` (limit ${limit} s)"
  if [ $DRY = 1 ]; then return 0; fi
  if [ "$limit" -lt 20 ]; then
    say "skipped: the time budget is spent; run \`scripts/gpu_check.sh $name\` by itself"
    return 0
  fi
  local begun=$SECONDS output=$RUNS/$name.out errors=$RUNS/$name.err
  timeout -k 10 "$limit" "$@" >"$output" 2>"$errors"
  local status=$?
  cat "$output" "$errors" >>"$LOG"
  say ""
  case $keep in
    all) cat "$output" >>"$REPORT" ;;
    tail) echo '```' >>"$REPORT"; tail -n 15 "$output" >>"$REPORT"; echo '```' >>"$REPORT" ;;
  esac
  [ $status = 124 ] && say "stopped at its limit of ${limit} s"
  [ $status != 0 ] && [ $status != 124 ] && say "$(tail -n 1 "$errors")"
  say "($name: exit $status, $((SECONDS - begun)) s)"
  return $status
}

main_figures() {  # the main job's summary.json beside its CPU figures in docs/results.md
  "$PYTHON" - "$RUNS/main/summary.json" "$OUT_DIR/main_summary.json" <<'PY' | tee -a "$REPORT"
import json, shutil, sys
import torch
source, copy = sys.argv[1:]
shutil.copy(source, copy)
run = json.load(open(source))
metrics = run["metrics"]
card = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
minutes, seconds = divmod(round(run["wall_seconds"]), 60)
print("\n| main job | wall time | training tokens/s | BLEU | chrF | peak memory MB | precision |")
print("|---|---|---|---|---|---|---|")
print(f"| {card} (trainer=gpu) | {minutes} min {seconds} s | {run.get('tokens_per_second', 0):,.0f} | "
      f"{metrics.get('test/bleu', float('nan')):.1f} | {metrics.get('test/chrf', float('nan')):.1f} | "
      f"{run.get('peak_memory_mb', 0):,.0f} | {run['config']['trainer']['precision']} |")
print(f"\nstatus {run['status']}" + (f": {run['error']}" if run.get("error") else ""))
PY
}

CARDS=0
failed=0
for name in "${STEPS[@]}"; do
  case $name in
    env)
      step env 60 all "$PYTHON" scripts/gpu_environment.py || failed=1 ;;
    tests)
      step tests 150 tail "$PYTHON" -m pytest -n 0 -p no:cacheprovider -q tests/test_precision.py tests/test_bench.py \
        tests/test_gpu_trainer.py || failed=1 ;;
    main)
      if step main 240 none "$PYTHON" -m zoo model=transformer data=translation trainer=gpu logger=csv \
        trainer.enable_progress_bar=false "hydra.run.dir=$RUNS/main" "${DATA[@]}"; then
        [ $DRY = 1 ] || main_figures
      else
        failed=1
      fi ;;
    bench-long)  # the scans, the kernels and attention's memory at lengths the CPU cannot reach
      step bench-long 150 all "$PYTHON" -m zoo.bench --device cuda --sections kernels memory --lengths 1024 8192 \
        --scan-lengths 1024 4096 8192 || failed=1 ;;
    bench-train)
      step bench-train 200 all "$PYTHON" -m zoo.bench --device cuda --sections throughput generation \
        --lengths 256 1024 4096 || failed=1 ;;
    ddp)
      [ $DRY = 1 ] || CARDS=$("$PYTHON" -c "import torch; print(torch.cuda.device_count())" 2>/dev/null || echo 0)
      if [ $DRY = 1 ] || [ "$CARDS" -ge 2 ]; then
        step ddp 120 tail "$PYTHON" -m zoo trainer=ddp model=lstm data=copy trainer.max_epochs=1 logger=csv \
          trainer.enable_progress_bar=false "hydra.run.dir=$RUNS/ddp" || failed=1
      else
        say ""
        say "## ddp"
        say ""
        say "skipped: $CARDS card(s); trainer=ddp over NCCL needs 2 or more"
      fi ;;
  esac
done

if [ $DRY = 1 ]; then
  echo "(dry run: nothing was run; the report lists the commands: $REPORT)"
  exit 0
fi
if ! "$PYTHON" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
  say ""
  say "no CUDA GPU visible: the GPU figures were not measured (only the CPU-safe parts ran)"
  exit 1
fi
say ""
say "total $((SECONDS - STARTED)) s; report $REPORT"
exit $failed
