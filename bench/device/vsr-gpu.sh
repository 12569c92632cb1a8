#!/usr/bin/env bash
# VSR speed on the GPU machine (the `device` tool): 480×270 LR → 1920×1080 per frame for every
# shipped VSR model (PyTorch on CUDA with the ONNX file's weights, checked against onnxruntime),
# fp32 / channels_last / bf16 / fp16, GPU time and time with the RGBA8 download; onnxruntime CPU for scale.
#   bash bench/device/vsr-gpu.sh [--size 480x270] [--runs 30]
# Writes $OUT/vsr_gpu.json (OUT is set on the device machine; else bench/results/). ~1–2 min.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 bench/device/vsr_gpu.py "$@"
