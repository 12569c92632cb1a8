#!/usr/bin/env bash
# GPU run 2: train the recurrent VSR nets (shipped width 32 + paper width 64, together) on
# .devdata/vsr_pack.npz (pairs made by training/make_vsr_pairs.py with the app's degrade CLI).
#   bash training/gpu_run2.sh [train_seconds=220] [extra train_vsr.py args...]
# Writes to $OUT (default training/runs/out2): vsr.part0.pt, vsr.step.onnx, vsr64.part0.pt,
# vsr64.step.onnx (EMA weights), vsr_summary.json (held-out PSNR/SSIM vs bicubic + log),
# vsr_example.png (held-out frame: LR | bicubic | w32 | w64 | HR). 6 files, each < 16 MiB.
# Wall time ~ train_seconds + ~60 s (CUDA start, PNG decode, held-out evaluation, export, ORT check).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-training/runs/out2}"
mkdir -p "$OUT"
SECS="${1:-220}"
shift || true
PY="${PYTHON:-python3}"
PACK="${PACK:-.devdata/vsr_pack.npz}"
DEV=$("$PY" -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")
"$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu')"
BF16=""; if [ "$DEV" = cuda ]; then BF16="--bf16"; fi
test -f "$PACK" || { echo "missing $PACK (python3 training/make_vsr_pairs.py)"; exit 2; }
"$PY" training/train_vsr.py --pack "$PACK" --device "$DEV" $BF16 --seconds "$SECS" --configs ship,paper \
  --batch 16 --lr-crop 48 --lr 4e-4 --export-dir "$OUT" --log-every 20 --ckpt-every 120 "$@"
"$PY" training/check_onnx_ort.py "$OUT" || echo "WARNING: ORT check failed (re-export here from the .pt parts)"
ls -l "$OUT"
