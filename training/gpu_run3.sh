#!/usr/bin/env bash
# GPU run 3: the general VSR (issue 11) on make_user_clips.py shards, the 'lite' config and a wider
# one trained together, resuming from the committed CPU checkpoint when it is there.
#   bash training/gpu_run3.sh [train_seconds=420] [extra train_vsr.py args...]
# device call: command "PYTHONUNBUFFERED=1 bash training/gpu_run3.sh 420", carry
#   [".devdata/user_clips/shard_0000.npz", ".devdata/user_clips/shard_0001.npz",
#    ".devdata/user_clips/shard_0002.npz", ".devdata/user_clips/shard_0003.npz",
#    ".devdata/user_clips/heldout_000.npz"]   (~50 MiB of the 64 MiB carry limit), timeout_s 560.
# Writes to $OUT: vsr.part0.pt + vsr.step.onnx (lite), vsr_lite64.part0.pt + .step.onnx,
# vsr_summary.json (held-out clean/web PSNR-Y, worst clip, colour shift), the campaign log.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-training/runs/out3}"
mkdir -p "$OUT" training/runs/vsr_gpu
SECS="${1:-420}"
shift || true
PY="${PYTHON:-python3}"
DEV=$("$PY" -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")
"$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu')"
ls .devdata/user_clips/shard_*.npz >/dev/null || { echo "missing .devdata/user_clips shards (training/make_user_clips.py)"; exit 2; }
# GPU: batch 64 at 48 px LR crops, 5 frames; the held-out evaluation every 2 minutes
"$PY" training/train_vsr.py --shards .devdata/user_clips --device "$DEV" --seconds "$SECS" --configs lite,lite64 \
  --batch 64 --lr-crop 48 --frames 5 --lr 4e-4 --p-web 0.55 --eval-every 120 --log-every 20 --ckpt-every 120 \
  --run-dir training/runs/vsr_gpu --campaign-log "$OUT/vsr_campaign.jsonl" --export-dir "$OUT" "$@"
"$PY" training/check_onnx_ort.py "$OUT" || echo "WARNING: ORT check failed (re-export here from the .pt parts)"
ls -l "$OUT"
