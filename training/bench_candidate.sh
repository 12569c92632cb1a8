#!/usr/bin/env bash
# Score a VSR checkpoint on the quality benchmark beside the shipped models, without shipping it (issue 11).
#
#   bash training/bench_candidate.sh NAME CKPT [REF]
#
# CKPT: a train_vsr.py last.pt or an EMA snapshot (snap_<step>.pt). Its step ONNX is exported to
# .cache/candidates/NAME/ (export_checkpoint.py --onnx-only), `npm run bench quality` runs with it as the
# candidate NAME (the shipped models' and the peer's columns come from the bench's cache when their files are
# unchanged; the VQGAN section is skipped), the result JSON is renamed …-quality-NAME-candidate.json, and
# bench_compare.py prints NAME against REF (default vsr-restore) per condition: mean gain over bicubic, the
# clips it wins and loses, the worst clip. The table goes to .cache/candidates/NAME.md (QUALITY_MD), so
# bench/results/quality-latest.md keeps describing what ships.
# Takes ~5 min on 2 idle cores, ~9 beside a 1-thread trainer.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?NAME}; ckpt=${2:?CKPT}; ref=${3:-vsr-restore}
case "$name" in *[!A-Za-z0-9_-]*) echo "NAME: letters, digits, - and _ only" >&2; exit 2;; esac
out=.cache/candidates/$name
mkdir -p "$out"
/usr/bin/python3 training/export_checkpoint.py --onnx-only "$ckpt" "$out" > "$out.export.log" 2>&1 || { cat "$out.export.log"; exit 1; }
onnx=$(ls "$out"/*.step.onnx | head -1)
QUALITY_VQGAN=0 QUALITY_MD="$out.md" QUALITY_CANDIDATES="$name=$onnx" npm run --silent bench quality > "$out.bench.log" 2>&1 \
  || { tail -c 2000 "$out.bench.log"; exit 1; }
# bench/run.mjs names the result file it wrote on its last line.
j=$(sed -n 's/^wrote \(bench\/results\/vm-.*\.json\)$/\1/p' "$out.bench.log" | tail -1)
[ -n "$j" ] && [ -f "$j" ] || { echo "the bench named no result JSON ($out.bench.log)" >&2; exit 1; }
dest="${j%.json}-quality-$name-candidate.json"
mv "$j" "$dest"
echo "$dest"
/usr/bin/python3 training/bench_compare.py "$dest" "$name" "$ref"
