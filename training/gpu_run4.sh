#!/usr/bin/env bash
# GPU run 4 (issues 11 and 13): one lease, two jobs.
# 1. The VSR speed bench (bench/device/vsr-gpu.sh: 480x270 -> 1920x1080 per frame for each shipped
#    model, fp32/bf16/fp16, with the RGBA8 download), capped at BENCH_S seconds so it cannot eat the run.
# 2. vsr-restore fine-tuned from the CPU campaign's resume point on a paper-pipeline pack
#    (make_vsr_pairs.py), batch 64 at 48 px LR crops over 5 frames -- about what 40 CPU sessions do
#    if the GPU reaches ~30 steps/s. The pack is small (the device takes 64 MiB with the tree), so
#    the run may overfit: EMA snapshots every third of the budget are scored on the pack's held-out
#    clips and all come back, and only the quality benchmark here decides what ships.
#   bash training/gpu_run4.sh [train_seconds=330]
# device call: command "PYTHONUNBUFFERED=1 bash training/gpu_run4.sh 330", carry [".devdata/gpu_pack.npz"],
#   timeout_s 560 (the tree must be under ~22 MB for a ~40 MiB pack: see GPU_RUNS.md, run 4).
# $OUT (7 files, < 16 MiB each): vsr_gpu.json, log.txt, last.pt (models + Adam + EMA: the next resume
#   point), snap_<step>.pt x2 (EMA weights), summary.json (held-out scores of the final EMA), campaign.jsonl.
# The ONNX is exported here from the .pt with Debian's torch (the device's torch 2.x exports another graph).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-training/runs/out4}"
mkdir -p "$OUT"
SECS="${1:-330}"
PY="${PYTHON:-python3}"
PACK="${PACK:-.devdata/gpu_pack.npz}"
INIT="${INIT:-training/resume/vsr_restore34t2_last.pt}"
BENCH_S="${BENCH_S:-100}"
DEV=$("$PY" -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")
"$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu')"
test -f "$PACK" || { echo "missing $PACK (training/make_vsr_pairs.py)"; exit 2; }
[ "$INIT" = none ] || test -f "$INIT" || { echo "missing $INIT"; exit 2; }
if [ "$DEV" = cuda ] && [ "${BENCH_S}" != 0 ]; then
  timeout "$BENCH_S" bash bench/device/vsr-gpu.sh --runs 20 || echo "WARNING: the speed bench failed or ran past ${BENCH_S}s"
fi
SNAP=$(( SECS / 3 + 5 ))
# CONFIGS=lite64 INIT=none: a capacity probe (the paper-width lite net from scratch on the same pack);
# CONFIGS=lite64-deep8 (INIT_CONFIG=lite-deep8, the default): the paper width grown from INIT by widen_from,
#   so it starts where the CPU campaign stands instead of from scratch;
# P_WEB: share of web-quality inputs (packs made with make_vsr_pairs.py --from-shards carry them)
# COLOUR: weight of the colour-bias term (train_vsr.py --colour-weight; 1 keeps the net from adding a cast)
INIT_ARGS=(--init-from "$INIT" --init-config "${INIT_CONFIG:-lite-deep8}"); if [ "$INIT" = none ]; then INIT_ARGS=(); fi
"$PY" training/train_vsr.py --pack "$PACK" --device "$DEV" --seconds "$SECS" --configs "${CONFIGS:-lite-deep8}" \
  --batch "${BATCH:-64}" --lr-crop "${CROP:-48}" --frames 5 --lr "${LR:-1.5e-4}" --p-clean "${P_CLEAN:-0.3}" --p-web "${P_WEB:-0}" \
  --colour-weight "${COLOUR:-0}" "${INIT_ARGS[@]}" --run-dir "$OUT" --snapshot-every "$SNAP" --campaign-log "$OUT/campaign.jsonl" \
  --log-every 20 --ckpt-every 60
ls -l "$OUT"
