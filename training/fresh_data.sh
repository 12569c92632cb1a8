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
# 4. the router's fit set (heldout_000) and its out-of-sample check (a held-out shard in the scenery mix).
# Ran as a whole on 2026-12-08 (on a VM that kept 2026-12-07's .devdata): 28.5 min beside one 1-thread trainer, every
# training clip degraded again (2026-12-07's clips predate run.json's record of the VQGAN weights), and the pack
# it wrote was byte for byte the pack_scent2_640.npz made step by step on 2026-12-07.
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
rm -f $mix/*.npz   # the folder is the pack's recipe: no link left from an older one
for f in heldout_000 shard_0000 shard_0001 shard_0002 shard_0003 shard_0063 shard_0064 shard_0065 shard_0066 shard_0067 shard_0068; do
  ln -sf ../user_clips_exact/$f.npz $mix/$f.npz
done
$PY training/make_vsr_pairs.py --from-shards $mix --clips 640 --max-mib 600 --work .devdata/restore_work \
  --out "$PACK" --reuse-degraded --jobs 2 --degrade-args "--threads 1"
say "wrote $PACK"

# 4. the router's sets. Its fit set (.devdata/router_set) is heldout_000 alone: the held-out clips of the user-like
#    mix that `vsr` is trained on. A held-out shard in the scenery mix (.devdata/router_check) is its out-of-sample
#    check (fit_router.ts --check-set), not fitted on: on 2026-12-08 (vsr general4b / vsr-restore restore34t2) the two
#    probe features could not route those clips better than `vsr` alone for any fit (leave-one-clip-out -0.04 dB
#    against always-vsr), and fitting on both sets cost the user mix half its gain (leave-one-clip-out over
#    always-vsr +0.115 -> +0.062 dB, four conditions averaged) while gaining the scenery set 0.015.
$PY training/make_user_clips.py --out-dir $CLIPS --heldout --shards 1 --start 2 --clips-per-shard 64 \
  --mix $SCEN_MIX
router_set() {  # router_set OUT SHARD: one held-out shard's clips in the four conditions
  local rmix=.devdata/mix_$1
  mkdir -p $rmix
  rm -f $rmix/*.npz   # the folder is the set's recipe: no link left from an older one
  ln -sf ../user_clips_exact/$2.npz $rmix/$2.npz
  $PY training/make_vsr_pairs.py --from-shards $rmix --clips 0 --max-mib 200 --work .devdata/restore_work \
    --out .devdata/pack_router_$2.npz --reuse-degraded --jobs 2 --degrade-args "--threads 1"
  $PY training/make_router_set.py --pack .devdata/pack_router_$2.npz --out .devdata/$1
}
router_set router_set heldout_000
router_set router_check heldout_002
say "router sets ready: .devdata/router_set (fit), .devdata/router_check (check)"
