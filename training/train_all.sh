#!/usr/bin/env bash
# One command from nothing to shipped weights (npm run train). Every step is skipped when its
# output exists, and both trainers resume from training/runs/*/last.pt, so re-running continues.
#
#   npm run train                      # defaults below; CUDA if available, else CPU (slow)
#   VQGAN_SECONDS=300 VSR_SECONDS=220 npm run train
#
# Steps:
#   1. openclipart-png (Debian, public domain) -> training/data/openclipart   (apt-get download)
#   2. low-quality prior set  -> .devdata/vqgan_pack.npz   (prep_prior.py, Debian ffmpeg CLI)
#   3. VQGAN training         -> training/runs/vqgan, export to public/models (vqgan.*)
#   4. VSR pairs              -> .devdata/vsr_pack.npz     (make_vsr_pairs.py: node bin/vqdsr.mjs degrade --random,
#                                                          which uses the VQGAN just exported)
#   5. VSR training (w32+w64) -> training/runs/vsr, export to public/models (vsr.step.onnx, vsr64.step.onnx)
#   6. manifest.json rebuilt from the files (export_models.py -> build_manifest.py)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-/usr/bin/python3}"
DEV="${DEVICE:-$("$PY" -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')")}"
VQGAN_SECONDS="${VQGAN_SECONDS:-300}"
VSR_SECONDS="${VSR_SECONDS:-220}"
BF16=""; if [ "$DEV" = cuda ]; then BF16="--bf16"; fi
echo "device $DEV, VQGAN ${VQGAN_SECONDS}s, VSR ${VSR_SECONDS}s"

# 1. data
OC=training/data/openclipart/usr/share/openclipart/png
if [ ! -d "$OC" ]; then
  mkdir -p training/data && (cd training/data && apt-get download openclipart-png && dpkg -x openclipart-png_*.deb openclipart)
fi
# 2. prior set
[ -f .devdata/vqgan_pack.npz ] || "$PY" training/prep_prior.py --clips 240 --keep 4 --hr 352
# 3. VQGAN
mkdir -p training/runs
"$PY" training/train_vqgan.py --device "$DEV" $BF16 --seconds "$VQGAN_SECONDS" --batch 32 --crop 128 --lr 4e-4 \
  --resume --export-dir training/runs/export_vqgan
"$PY" training/export_models.py --vqgan training/runs/export_vqgan/vqgan.part*.pt
# 4. VSR pairs through the app's own degradation CLI (with the VQGAN above)
[ -f .devdata/vsr_pack.npz ] || "$PY" training/make_vsr_pairs.py --clips 150 --degrade-args "--threads 2"
# 5. VSR
"$PY" training/train_vsr.py --device "$DEV" $BF16 --seconds "$VSR_SECONDS" --configs ship,paper --batch 16 \
  --lr-crop 48 --lr 4e-4 --resume --export-dir training/runs/export_vsr
# 6. export + manifest
"$PY" training/export_models.py --vsr training/runs/export_vsr/vsr.part*.pt --vsr64 training/runs/export_vsr/vsr64.part*.pt
echo "done: public/models updated (see public/models/manifest.json)"
