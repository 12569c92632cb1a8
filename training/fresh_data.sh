#!/usr/bin/env bash
# The restore campaign's data on a fresh VM (every session here may start on one: .devdata/ and training/data/
# are not in git). Uses both cores: run it first, before any trainer, then start training on the pack it writes.
#
#   bash training/fresh_data.sh [PACK]        # default .devdata/pack_scen_640.npz
#
# 1. openclipart-png / -svg from Debian (apt-get download + dpkg -x into training/data, ~15 s);
# 2. make_user_clips.py shards: heldout_000 (48 held-out clips), 0000-0003 (user-like mix) and 0063-0068
#    (painted scenery about half: 2026-12-07 shards, mix below), 2 processes;
# 3. make_vsr_pairs.py --from-shards: every clip paper-degraded by the app's CLI with the shipped VQGAN, 2 CLI
#    processes, 2 WebP encoders;
# 4. the router's fit set (heldout_000 + a held-out shard in the same mix), for fit_router.ts after a ship.
# Each step ran by hand on 2026-12-07; the script as a whole first runs next session.
# Measured 2026-12-07 on the 2-core AMD EPYC VM with one process per step beside npm test and a bench: shards
# 16 min, degrade 31 min, pack 6 min; with both cores and nothing else running, about half.
# Never use Debian's hedgewars-data or tuxpaint-* (reserved for independent evaluation).
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=${1:-.devdata/pack_scen_640.npz}
PY=/usr/bin/python3
CLIPS=.devdata/user_clips_exact
# the scenery shards' mix (painted scenery about half), also the router's held-out shard's
SCEN_MIX=scenery:0.54,svg:0.16,soft:0.1,clipart:0.06,cel:0.08,text:0.06
t0=$(date +%s)
say() { echo "[fresh_data $(( $(date +%s) - t0 )) s] $*"; }

# the same fetch the quality bench's set maker uses (make_eval_set.ensure_package: apt-get download + dpkg -x)
$PY -c "import sys; sys.path.insert(0, 'training')
from make_eval_set import PACKAGES, ensure_package
for pkg, dest in PACKAGES.items(): ensure_package(pkg, dest)"
say "openclipart ready"

# make_user_clips skips shards that exist; each call fills two processes
$PY training/make_user_clips.py --out-dir $CLIPS --heldout --shards 1 --clips-per-shard 48
$PY training/make_user_clips.py --out-dir $CLIPS --shards 4 --start 0 --procs 2
$PY training/make_user_clips.py --out-dir $CLIPS --shards 6 --start 63 --procs 2 \
  --mix $SCEN_MIX
say "shards ready"

mix=.devdata/mix_scen
mkdir -p $mix
for f in heldout_000 shard_0000 shard_0001 shard_0002 shard_0003 shard_0063 shard_0064 shard_0065 shard_0066 shard_0067 shard_0068; do
  ln -sf ../user_clips_exact/$f.npz $mix/$f.npz
done
$PY training/make_vsr_pairs.py --from-shards $mix --clips 640 --max-mib 600 --work .devdata/restore_work \
  --out "$PACK" --reuse-degraded --jobs 2 --degrade-args "--threads 1"
say "wrote $PACK"

# 4. the router's fit set (training/fit_router.ts --set .devdata/router_set): heldout_000 + a held-out shard in the
#    scenery shards' mix (not scenery alone: a set 57 % scenery, 2026-12-07, leaned the router to vsr-restore)
$PY training/make_user_clips.py --out-dir $CLIPS --heldout --shards 1 --start 2 --clips-per-shard 64 \
  --mix $SCEN_MIX
rmix=.devdata/mix_router
mkdir -p $rmix
for f in heldout_000 heldout_002 shard_0000; do ln -sf ../user_clips_exact/$f.npz $rmix/$f.npz; done
$PY training/make_vsr_pairs.py --from-shards $rmix --clips 0 --max-mib 200 --work .devdata/restore_work \
  --out .devdata/pack_router.npz --reuse-degraded --jobs 2 --degrade-args "--threads 1"
$PY training/make_router_set.py --pack .devdata/pack_router.npz --out .devdata/router_set
say "router set ready: .devdata/router_set"
