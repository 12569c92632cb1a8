"""Write public/models/MODEL_CARD.md from manifest.json and training/summaries/*.json.

Run by export_models.py after every export to public/models (and by hand: python3
training/write_model_card.py), so the card always describes the files that are there. Every number
in it comes from the training summaries (measured on held-out data by train_vqgan.py/train_vsr.py).
"""
from __future__ import annotations

import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from build_manifest import VSR_MODELS  # noqa: E402  (the VSR ids the manifest can hold, in its order)


def _load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def _mib(n):
    return f'{n / 2**20:.1f} MiB'


def _vqgan_section(m: dict, s: dict) -> list:
    cfg = m['config']
    w = cfg.get('width')
    L = [f'## VQ degradation model (`vqgan.*`) — {"trained" if m["trained"] else "NOT TRAINED (random placeholder)"}', '']
    L.append(f'Multi-scale VQGAN of the paper\'s topology (supplementary Table 4) at width {w} '
             f'(channels {w}/{w}/{2 * w}/{2 * w}/{4 * w}; the paper uses 128), n_z {cfg.get("n_z")}, one '
             f'{cfg.get("n_codes")}-entry codebook shared by the top (H/8), middle (H/4) and bottom (H/2) branches, '
             f'GroupNorm ({max(1, min(32, w // 4))} groups) + swish, non-local attention at H/8, conv + PixelShuffle(2) '
             f'upsampling, {cfg.get("res_blocks", 2)} residual block(s) per stage; {m.get("params"):,} parameters.')
    L.append('')
    L += ['**In the pipeline.** The VQD stage runs these weights and then the colour anchor (`vqd.anchorSigma`, default 3 LR '
          'pixels; `src/pipeline/vqd/anchor-cpu.ts`, `shaders/anchor.wgsl`): the output keeps the VQGAN\'s high band and '
          'takes the band under a σ-3 Gaussian from the VQGAN\'s input, so the degradations the k\'s select stay and the '
          'colour drift of these under-trained weights does not reach the frames (or the VSR training pairs made from them). '
          'The benchmark table below scores both.', '']
    if s.get('quality_note'):
        L += [f'**Status.** {s["quality_note"]}', '']
    if s.get('limits'):
        L += [f'**Limits.** {s["limits"]}', '']
    if not m['trained']:
        L += [f'Note: {s.get("note", "")}', '']
        return L
    d = s.get('data', {})
    h = s.get('heldout', {})
    L += ['**Data.** ' + d.get('source', '') + f'. {d.get("train_frames")} training frames and '
          f'{d.get("heldout_frames")} held-out frames ({d.get("frame_size")}², from clip-art files / procedural seeds '
          f'never used for training), random {s.get("crop")}² crops with horizontal flips. Clip art: Debian '
          '`openclipart-png` (public domain); procedural cel-shaded scenes drawn by `training/clipgen.py`.', '']
    ft = s.get('fine_tune_of')
    stages = ('all three branches throughout (the run it continues had the top branch alone first, as the paper)' if ft else
              f'first {int(100 * s.get("stage1_fraction", 0))} % of the time the top branch alone, then all three (as the paper)')
    L += [f'**Training.** {s.get("steps")} steps in {s.get("train_seconds")} s on {s.get("device")} '
          f'(torch {s.get("torch")}, bf16 autocast: {s.get("bf16")}), batch {s.get("batch")}, Adam lr {s.get("lr")} '
          f'(warm-up, cosine to 10 %), {stages}. Loss: {s.get("loss")}; beta {s.get("beta")}; '
          f'{s.get("codes_restarted")} code restarts in total.', '']
    if ft:
        chain, link = [], ft
        while link:  # a fine-tune of a fine-tune: name every run down to the first
            chain.append(f'{link.get("what")} ({link.get("steps"):,} steps in {round(link.get("train_seconds", 0)):,} s on '
                         f'`{link.get("pack")}`)')
            link = link.get('its_fine_tune_of')
        L += [f'**Fine-tune.** The steps above continue from {", which continued ".join(chain)}; `train_vqgan.py '
              '--init-from`: its weights and EMA codebook, a fresh optimizer and schedule.', '']
    if h:
        ks = h.get('psnr_y_vs_k_bottom', {})
        L += [f'**Held-out numbers** ({h.get("frames")} frames): reconstruction PSNR(Y) {h.get("psnr_y_k1"):.2f} dB '
              f'(RGB {h.get("psnr_rgb_k1"):.2f} dB) with nearest codes everywhere; top branch alone '
              f'{h.get("psnr_y_top_only"):.2f} dB; {h.get("codes_used_heldout")} of {cfg.get("n_codes")} codes used.', '',
              'PSNR(Y) against the input when the bottom branch takes the k-th nearest code (top and middle k = 1):', '',
              '| k | ' + ' | '.join(ks) + ' |', '| --- | ' + ' | '.join('---' for _ in ks) + ' |',
              '| PSNR(Y) dB | ' + ' | '.join(f'{v:.2f}' for v in ks.values()) + ' |', '',
              f'Monotonically falling in k: {"yes" if h.get("monotone_in_k") else "NO"}.', '']
    return L


def _training_limits(vq: dict, vs: dict) -> list:
    """The card's limits that depend on how the shipped weights were trained (from the summaries)."""
    def minutes(x):  # a fine-tune's minutes include those of the runs it started from, down the chain
        # (the VSR summaries chain by fine_tuned_from / its_fine_tuned_from, the VQGAN's by fine_tune_of / its_fine_tune_of)
        total, link = x.get('train_seconds', 0), x.get('fine_tuned_from') or x.get('fine_tune_of')
        while link:
            total += link.get('train_seconds', 0) or 0
            link = link.get('its_fine_tuned_from') or link.get('its_fine_tune_of')
        return round(total / 60)
    on_cpu = vq.get('device') == 'cpu' or vs.get('device') == 'cpu'
    out = []
    if on_cpu:
        cfg = vq.get('config', {})
        blocks = {1: 'one residual block', 2: 'two residual blocks'}.get(cfg.get('res_blocks'), f'{cfg.get("res_blocks")} residual blocks')
        out.append(f'- Trained without a GPU: the VQGAN {minutes(vq)} min and the VSR net {minutes(vs)} min on 2 CPU '
                   f'cores, far from the paper\'s schedules. The shipped VQGAN is narrow (width {cfg.get("width")}, '
                   f'{blocks} per stage); the width-32 `ship` and the paper\'s width-128 `paper` configs build '
                   'and export (`training/export_models.py --random 1 --vqgan-config paper --out /tmp/x`: ~204 + '
                   '~211 MB ONNX, over the 25 MB file limit) and `training/gpu_run1.sh` / `gpu_run2.sh` train them '
                   'on a lent GPU in minutes.')
    if vs.get('data', {}).get('clips_with_vqd', 1) == 0:
        out.append('- The VSR pairs were made by the project\'s degrade CLI **without the VQD stage** (`--no-vqd`). '
                   'Retrain the VSR on VQD pairs (`make_vsr_pairs.py` without `--no-vqd`).')
    return out


def _vsr_section(name: str, m: dict, s: dict) -> list:
    cfg = m['config']
    fname = m['files'][0]['file']
    L = [f'## VSR net (`{fname}`) — {"trained" if m["trained"] else "NOT TRAINED (random placeholder)"}', '']
    lite = cfg.get('fuse') == 'lite'
    base = cfg.get('base', 'bilinear')
    L.append(f'AnimeSR\'s recurrent cell without SR feedback, ×{cfg.get("scale", 4)}: per step prev/cur/next LR '
             f'(9 ch) + a {cfg.get("width")}-channel state, three scales with {cfg.get("blocks")} residual blocks '
             f'(stride-2 convs down, bilinear up, fused by ' + ('a 1×1 then a 3×3 conv' if lite else 'two 3×3 convs') +
             f'), output PixelShuffle(4) of 48 channels + {base} ×4 of the current frame'
             + (' (last conv zero at init: the untrained net is exactly bicubic)' if base == 'bicubic' else '') +
             f'; width {cfg.get("width")}, {m.get("params"):,} parameters'
             + (' (the paper\'s width: 1,467,728 at 64).' if cfg.get('width') == 64 and not lite else '.'))
    L.append('')
    if s.get('role'):
        L += [f'**Role.** {s["role"]}.' + (f' {s["auto_note"][0].upper()}{s["auto_note"][1:]}.' if s.get('auto_note') else ''), '']
    if s.get('quality_note'):
        L += [f'**Status.** {s["quality_note"]}', '']
    if s.get('limits'):
        L += [f'**Limits.** {s["limits"]}', '']
    if not m['trained']:
        L += [f'Note: {s.get("note", "")}', '']
        return L
    d = s.get('data', {})
    if d.get('maker') == 'make_user_clips.py':
        return L + _vsr_general_body(s)
    if d.get('stand_in'):
        L += ['**WARNING: trained on a TEST stand-in pack (plain bicubic LR), not on the degradation pipeline. '
              'Not for shipping.**', '']
    L += [f'**Data.** {d.get("clips")} clips × {d.get("frames")} frames of {d.get("hr_size")}² HR '
          f'({d.get("train_clips")} for training, {d.get("heldout_clips")} held out by source). LR inputs were made '
          f'by the project\'s own degradation CLI (`{d.get("degrade")}`): blur, noise, ×1/4 down, VQD with '
          f'{d.get("vqgan", "the VQGAN above")} (paper k distribution: top 1, middle 1–10, bottom 1–50 in three bands), uint8, x264 '
          f'round trip; VQD was active in {d.get("clips_with_vqd")} of the {d.get("clips")} clips. '
          f'{int(100 * s.get("p_clean_inputs", 0))} % of training clips use clean bicubic ×1/4 inputs instead'
          + (f', {int(100 * s["p_web_inputs"])} % the clip\'s web-quality LR (random kernel, mild codec).'
             if s.get('p_web_inputs') else '.')
          + (f' HR clips: `{d["maker"]}`.' if d.get('maker') else ''), '']
    L += [f'**Training.** {s.get("steps")} steps in {s.get("train_seconds")} s on {s.get("device")} '
          f'(torch {s.get("torch")}, bf16 autocast: {s.get("bf16")}), batch {s.get("batch")} clips × '
          f'{s.get("frames_per_clip")} frames, {s.get("lr_crop")}² LR crops (flips, time reversal), recurrent over '
          f'the clip; loss {s.get("loss")}; Adam lr {s.get("lr")} with cosine decay; exported weights are the '
          f'EMA ({s.get("ema")}).', '']
    ft = s.get('fine_tuned_from')
    if ft:
        L += [f'**Initialised from** {ft.get("what")} ({ft.get("steps")} steps in {ft.get("train_seconds")} s; '
              '`train_vsr.py --init-from`: its EMA weights, a fresh optimizer and schedule).', '']
    h = s.get('heldout', {})
    if h:
        L += [f'**Held-out numbers** ({h.get("clips")} clips, {h.get("frames")} frames, ×4, Y of BT.601, '
              f'{h.get("border")} px border ignored):', '',
              '| input | bicubic ×4 PSNR / SSIM | this net PSNR / SSIM | gain |', '| --- | --- | --- | --- |']
        for key, label in (('degraded', 'full pipeline (degrade CLI)'), ('clean_bicubic_down', 'clean bicubic ×1/4'),
                           ('web', 'web quality (the shard\'s codec LR)')):
            v = h.get(key)
            if v:
                b, mm = v['bicubic'], v['model']
                L.append(f'| {label} | {b["psnr_y"]:.2f} dB / {b["ssim_y"]:.4f} | {mm["psnr_y"]:.2f} dB / '
                         f'{mm["ssim_y"]:.4f} | {mm["gain_db_over_bicubic"]:+.2f} dB |')
        L.append('')
    return L


def _vsr_general_body(s: dict) -> list:
    """The general model (issue 11): trained on user-like clips, clean and web conditions."""
    d = s.get('data', {})
    L = [f'**Data.** {d.get("clips")} HR clips (5 frames, 256²; `training/make_user_clips.py`: openclipart SVG art '
         f'rendered crisp, openclipart PNG, procedural cel scenes, soft light / gradients / glow, captions; pans, zooms '
         f'and parallax with sub-pixel motion), art held out by source. Inputs: {int(100 * (1 - s.get("p_web", 0)))} % '
         f'clean ×1/4 with a random kernel per clip (antialiased bicubic / bilinear, area, point-sampled bicubic / '
         f'bilinear), {int(100 * s.get("p_web", 0))} % web quality (random kernel, then x264 crf 16–32 / mpeg2 / mpeg4 '
         f'/ JPEG / yuv420p round trip with Debian\'s ffmpeg). No VQD: that is `vsr-restore`\'s job.', '']
    L += [f'**Training.** {s.get("steps")} steps in {s.get("train_seconds")} s on {s.get("device")} (2 shared cores, '
          f'torch {s.get("torch")}), batch {s.get("batch")} clips × 3 frames, {s.get("lr_crop")}² LR crops (flips, '
          f'transpose, time reversal, channel permutation on clean inputs), recurrent over the clip; loss '
          f'{s.get("loss")}; Adam lr {s.get("lr")} with cosine decay; exported weights are the EMA ({s.get("ema")}). '
          f'The curve: `training/summaries/vsr_campaign.jsonl`.', '']
    ft = s.get('fine_tuned_from')
    if ft:
        L += [f'**Fine-tune.** The steps above continue from {ft.get("what")} ({ft.get("steps")} steps in '
              f'{ft.get("train_seconds")} s; `train_vsr.py --init-from`: its EMA weights, a fresh optimizer and '
              f'schedule). {ft.get("why", "")}', '']
    h = s.get('heldout') or {}
    if h.get('clean'):
        name = next(k for k in h['clean'] if k != 'bicubic')
        L += [f'**Trainer\'s held-out check** ({h.get("clips")} clips × 5 frames, ×4, PSNR-Y with a {h.get("border")} px '
              f'border; bicubic here is torch\'s a = −0.75; the quality benchmark below is the reference):', '',
              '| input | bicubic ×4 | this net | gain | worst clip | max \\|colour shift\\| |', '| --- | --- | --- | --- | --- | --- |']
        for key in ('clean', 'web'):
            b, mm = h[key]['bicubic'], h[key][name]
            L.append(f'| {key} | {b["psnr_y"]:.2f} dB | {mm["psnr_y"]:.2f} dB | {mm["gain_db_over_bicubic"]:+.2f} dB | '
                     f'{mm["worst_gain_db"]:+.2f} dB | {mm["max_abs_colour_shift"]:.1f} levels |')
        L.append('')
    bc = s.get('bench_set_check')
    if bc:
        L += ['**On the quality benchmark\'s 12 held-out clips** (same HR and clean LR files; web remade with the same '
              'x264 settings; PIL bicubic, which matches the benchmark\'s bicubic column to 0.01 dB on clean; a torch '
              'evaluation run when these weights were exported, before the full benchmark could be rerun): ' +
              '; '.join(f'{c} {v["bicubic_pil"]:.2f} → {v["candidate"]:.2f} dB ({v["gain"]:+.2f}, worst clip '
                        f'{v["worst"][0]} {v["worst"][1]:+.2f}, max |colour shift| {v["max_abs_shift"]:.2f})'
                        for c, v in bc.items()) + '.', '']
    return L


def latest_quality(results_dir: str | None = None, part: str = 'summary', accept=None) -> tuple[str, dict, dict] | None:
    """(file, run, quality entry) of the newest bench/results/*.json holding a finished
    `npm run bench quality` (bench/node/quality.bench.mjs) with `part` in it — 'summary' for the ×4
    tables (runs with the peer only, unless `accept` decides), 'vqgan' for the degrader's (a
    QUALITY_VSR=0 run has only the latter) — or None. `accept(entry)`, when given, replaces the
    peer rule: only entries it returns true for count."""
    results_dir = results_dir or os.path.join(ROOT, 'bench', 'results')
    best = None
    for path in glob.glob(os.path.join(results_dir, '*.json')):
        if os.path.basename(path) == 'latest.json':
            continue
        try:
            run = _load(path)
        except (OSError, ValueError):
            continue
        for entry in (run or {}).get('node', []):
            if entry.get('file') != 'quality.bench.mjs' or part not in entry:
                continue
            if accept is not None:
                if not accept(entry):
                    continue
            elif part == 'summary' and _peer_skipped(entry):
                # The card's ×4 tables quote full runs: a candidate check that skipped the peer
                # (QUALITY_PEER=0) has no margins to give and does not replace the last full run.
                continue
            if best is None or run.get('started', '') > best[1].get('started', ''):
                best = (path, run, entry)
    return best


def _peer_skipped(entry: dict) -> bool:
    return any(m.get('kind') == 'peer' and str(m.get('error', '')).startswith('skipped') for m in entry.get('methods', []))


def _vqgan_quality_section(model: dict, results_dir: str | None = None) -> list:
    """The shipped degrader's row of the latest quality benchmark's VQGAN part (k = 1 fidelity and the
    bottom-k sweep on the held-out clips' clean LR frames), with a note when it measured other weights."""
    found = latest_quality(results_dir, 'vqgan')
    if not found:
        return []
    path, run, q = found
    v = q['vqgan']
    cur = {f['file']: f.get('sha256') for f in model.get('files', [])}
    # The row of the weights shipped now (measured as 'shipped' or as a candidate shipped since), then
    # the others the run measured, labelled by what they are now.
    rows = []
    for m in v.get('models', []):
        shipped_now = (m.get('sha256') or {}).get('encoder') == cur.get('vqgan.encoder.onnx')
        if shipped_now:
            label = 'shipped' if m.get('kind') == 'shipped' else f'shipped; measured as candidate `{m.get("id")}`'
        else:
            label = 'previous weights' if m.get('kind') == 'shipped' else f'candidate `{m.get("id")}`'
        if m.get('anchor_sigma') is not None:
            label += f' + colour anchor σ {m["anchor_sigma"]:g} (what the VQD stage gives)'
        rows.append((not shipped_now, label, m))
    rows.sort(key=lambda r: r[0])
    if not rows:
        return []
    L = [f'**On the quality benchmark** (`npm run bench quality`, VQGAN part; `bench/results/{os.path.basename(path)}`, '
         f'{run.get("started", "?")[:16].replace("T", " ")} UTC): {q["set"]["clips"]} held-out clips of '
         f'`training/make_eval_set.py`, their clean LR frames (Pillow bicubic ×1/4, 8-bit) through `createVqdNode`, '
         'output rounded to 8 bits, scored against the input over the whole frame. Full table: '
         '`bench/results/quality-vqgan-latest.md`.', '']
    if rows[0][0]:
        L += ['**Note: the weights shipped now were not measured by this run: rerun the benchmark.**', '']
    ks = v.get('k_sweep', [])
    L += [f'| weights | k = 1 RGB PSNR (target ≥ {v.get("target_db")} dB) | k = 1 PSNR-Y | worst clip | max \\|colour shift\\| | '
          f'PSNR-Y at bottom k = {" / ".join(map(str, ks))} | monotone |',
          '| --- | --- | --- | --- | --- | --- | --- |']
    for _, label, m in rows:
        s_ = m.get('summary')
        if not s_:
            L.append(f'| {label} | not measured: {m.get("error", "no result")} | | | | | |')
            continue
        sh = s_['max_abs_shift']
        L.append(f'| {label} | {s_["psnr_rgb_k1"]:.2f} dB ({"pass" if s_["pass_k1"] else "FAIL"}) | {s_["psnr_y_k1"]:.2f} dB | '
                 f'{s_["worst"]["clip"]} {s_["worst"]["psnr_rgb_k1"]:.2f} dB | {abs(sh["levels"]):.2f} {sh["channel"]} ({sh["clip"]}) | '
                 + ' / '.join(f'{s_["psnr_y_vs_k"][str(k)]:.2f}' for k in ks)
                 + f' | {"yes" if s_["monotone"] else "NO"} ({s_["clips_monotone"]}/{s_["clips"]} clips) |')
    L.append('')
    return L


def _quality_section(models: dict) -> list:
    """The latest quality benchmark (bench/results), with a note when the weights it measured are not
    the ones shipped now."""
    found = latest_quality()
    if not found:
        return []
    path, run, q = found
    methods = {m['id']: m for m in q.get('methods', [])}
    L = ['## Quality benchmark (`npm run bench quality`)', '',
         f'From `bench/results/{os.path.basename(path)}` ({run.get("started", "?")[:16].replace("T", " ")} UTC, '
         f'{run.get("machine", {}).get("cpus", "?")}): {q["set"]["clips"]} held-out clips of '
         f'`training/make_eval_set.py` ({q["set"]["frames_per_clip"]} frames, 256×256 and 384×216 HR, art sources and '
         'seeds never trained on), ×4, PSNR-Y with a 4 px border, averaged over frames then clips; "vs bicubic" is the '
         'mean per-clip gain; worst clip = lowest gain over bicubic; shift = largest |mean output − mean HR| of any clip '
         'and channel (8-bit levels); flicker = mean |Δout − ΔHR| between frames on Y. Conditions: clean (Pillow bicubic '
         '×1/4), web (clean → x264 crf 28 yuv420p), paper (`vqdsr degrade --random`, seeded per clip). Full tables: '
         '`bench/results/quality-latest.md`.', '']
    # Which measured weights are shipped now: a column whose ONNX sha256 is a manifest file's, whether
    # the run measured it as the shipped model or as a candidate (a candidate shipped after its
    # benchmark keeps its numbers; the model it replaced is labelled as the previous weights).
    shipped_sha = {mid: next((f.get('sha256') for f in m.get('files', []) if f['file'].endswith('.step.onnx')), None)
                   for mid, m in models.items()}
    labels, covered = {}, set()
    for mid, m in methods.items():
        now = next((sid for sid, sha in shipped_sha.items() if sha and sha == m.get('sha256')), None)
        if m.get('ensemble'):  # the same weights run as a self-ensemble (vqdsr upscale --ensemble n)
            labels[mid] = f'{_ensemble_base(mid, m)} ×{m["ensemble"]} self-ensemble (`--ensemble {m["ensemble"]}`)'
        elif now:
            covered.add(now)
            labels[mid] = f'{now} (shipped)' if now == mid else f'{now} (shipped; measured as candidate `{mid}`)'
        elif m.get('kind') == 'shipped':
            labels[mid] = f'{mid} (previous weights)' if shipped_sha.get(mid) else f'{mid} (no longer shipped)'
        else:
            labels[mid] = f'{mid} ({m.get("kind")})'
    stale = [f'`{sid}`' for sid, sha in shipped_sha.items()
             if sha and sid in VSR_MODELS and sid not in covered and any(m.get('kind') == 'shipped' for m in methods.values())]
    if stale:
        L += [f'**Note: the weights shipped now for {", ".join(stale)} were not measured by this run: rerun the benchmark.**', '']
    conds = list(q.get('summary', {}))
    L += ['| method | ' + ' | '.join(f'{c}: PSNR-Y (vs bicubic) · worst clip · shift · flicker' for c in conds) + ' |',
          '| --- | ' + ' | '.join('---' for _ in conds) + ' |']
    for mid, m in methods.items():
        cells = []
        for c in conds:
            s = q['summary'][c].get(mid)
            if s is None:
                cells.append(f'n/a ({m.get("error", "not run")})')
            elif mid == 'bicubic':
                cells.append(f'{s["psnr_y"]:.2f} dB · {s["worst"]["clip"]} {s["worst"]["psnr_y"]:.2f} dB · '
                             f'{abs(s["max_abs_shift"]["levels"]):.1f} · {s["flicker_y"]:.2f}')
            else:
                cells.append(f'{s["psnr_y"]:.2f} dB ({s["gain_db"]:+.2f}) · {s["worst"]["clip"]} {s["worst"]["gain_db"]:+.2f} · '
                             f'{abs(s["max_abs_shift"]["levels"]):.1f} · {s["flicker_y"]:.2f}')
        L.append(f'| {labels[mid]} | ' + ' | '.join(cells) + ' |')
    L.append('')
    L += _margins(q, methods, labels)
    return L


PEER = 'realesr-animevideov3'


def _margins(q: dict, methods: dict, labels: dict) -> list:
    """Per shipped VSR: its margin to the peer per condition, and its colour shift beside its input's
    (bicubic's: what the input itself carries, e.g. from x264's chroma), so the card says how far
    each issue-11 criterion is, from the same run."""
    summ = q.get('summary', {})
    out = []
    for mid in methods:
        if not labels[mid].split(' ')[1].startswith('(shipped'):
            continue
        name = labels[mid].split(' ')[0]
        parts = []
        for c, rows in summ.items():
            me, peer, bic = rows.get(mid), rows.get(PEER), rows.get('bicubic')
            if not (me and peer and bic):
                continue
            parts.append(f'{c} {me["psnr_y"] - peer["psnr_y"]:+.2f} dB ({me["psnr_y"]:.2f} vs {peer["psnr_y"]:.2f}), '
                         f'largest |colour shift| {abs(me["max_abs_shift"]["levels"]):.2f} '
                         f'(input\'s own, bicubic: {abs(bic["max_abs_shift"]["levels"]):.2f})')
        if parts:
            out.append(f'- `{name}` against the peer {PEER}: ' + '; '.join(parts) + '.')
    return (['Margins (same run):', ''] + out + ['']) if out else []


def _ensemble_base(mid: str, method: dict) -> str:
    """The net a self-ensemble column runs; results written before the bench stored `model`
    (2026-12-05) only have it in the column id, `<model>+e<n>`."""
    return method.get('model') or mid[:-len(f'+e{method["ensemble"]}')]


def _ensemble_pairs(entry: dict, shipped: dict) -> list:
    """(net, ensemble column, size) for each ensemble column whose single-pass weights are the shipped ones."""
    ms = {m['id']: m for m in entry.get('methods', [])}
    pairs = [(_ensemble_base(m['id'], m), m['id'], m['ensemble']) for m in ms.values() if m.get('ensemble')]
    return [p for p in pairs if p[0] in ms and shipped.get(p[0]) and ms[p[0]].get('sha256') == shipped[p[0]]]


def _ensemble_section(models: dict, results_dir: str | None = None) -> list:
    """The self-ensemble (`--ensemble n`, the Upscale tab's Passes) against one pass, per shipped VSR
    net, from the newest quality run with ensemble columns whose single-pass weights are the shipped ones."""
    shipped = {mid: next((f.get('sha256') for f in m.get('files', []) if f['file'].endswith('.step.onnx')), None)
               for mid, m in models.items()}
    found = latest_quality(results_dir, 'summary', accept=lambda e: bool(_ensemble_pairs(e, shipped)))
    if not found:
        return []
    path, run, q = found
    pairs = _ensemble_pairs(q, shipped)
    conds = list(q['summary'])
    L = ['## Self-ensemble (`--ensemble n`, the Upscale tab\'s Passes)', '',
         'Each pass runs the clip mirrored or transposed (its own recurrent state) and the outputs, turned back, are '
         'averaged (`src/pipeline/vsr/self-ensemble.ts`). From '
         f'`bench/results/{os.path.basename(path)}` ({run.get("started", "?")[:16].replace("T", " ")} UTC), gain over '
         'bicubic (PSNR-Y, dB), one pass → n passes, and the clips n passes improve:', '',
         '| model | ' + ' | '.join(conds) + ' | time |', '| --- | ' + ' | '.join('---' for _ in conds) + ' | --- |']
    ms = {m['id']: m for m in q['methods']}
    for base, ens, n in pairs:
        cells = []
        for c in conds:
            a, b = q['summary'][c].get(base), q['summary'][c].get(ens)
            if not (a and b):
                cells.append('n/a')
                continue
            clips = q['per_clip'][c]
            better = sum(1 for k in clips[base] if clips[ens][k]['psnr_y'] > clips[base][k]['psnr_y'])
            cells.append(f'{a["gain_db"]:+.2f} → {b["gain_db"]:+.2f} ({better}/{len(clips[base])} clips)')
        t = ms[ens].get('seconds', 0) / max(1e-9, ms[base].get('seconds', 0))
        L.append(f'| `{base}` ×{n} | ' + ' | '.join(cells) + f' | {t:.1f}× |')
    return L + ['']


def _router_section(models: dict, r: dict) -> list:
    """The "auto" choice between the VSR nets (training/fit_router.ts): what it measures, its weights as
    shipped (manifest `route`), and how well it chose on the clips it was fitted on, left out one at a time."""
    routed = [mid for mid, m in models.items() if 'route' in m]
    if len(routed) < 2 or not r:
        return []
    L = ['## Auto: which VSR net for a clip (`route` in manifest.json)', '',
         f'`vqdsr upscale --model auto` and the Upscale tab\'s default measure a clip\'s LR frames '
         f'(`src/pipeline/vsr/input-probe.ts`: noise over the flat half, edge peakedness over the strongest gradients) and '
         f'run the net with the highest score, bias + Σ w · log(feature + 0.001). Fitted by `{r["fitted_by"]}` on '
         f'{r["fitted_on"]}; labels: {r["label"]}. Routes (reference `{r["reference"]}`): ' +
         '; '.join(f'`{mid}` bias {models[mid]["route"]["bias"]:+.3f}' +
                   ''.join(f', {f} {w:+.3f}' for f, w in models[mid]['route']['weights'].items()) for mid in routed) + '.', '',
         '| condition | ' + ' | '.join(f'`{mid}` alone' for mid in routed) + ' | best per clip | auto (clip left out of the fit) |',
         '| --- | ' + ' | '.join('---' for _ in routed) + ' | --- | --- |']
    for cond, e in r.get('evaluation_psnr_y_db', {}).items():
        L.append(f'| {cond} ({e["clips"]} clips) | ' + ' | '.join(f'{e["psnr_y"][mid]:.2f} dB' for mid in routed) +
                 f' | {e["oracle"]:.2f} dB | {e["auto_leave_one_clip_out"]:.2f} dB |')
    L += ['', 'The quality benchmark below has auto as a column of its own where its run included it.', '']
    return L


def write_model_card(models_dir: str | None = None, summaries: str | None = None) -> str:
    models_dir = models_dir or os.path.join(ROOT, 'public', 'models')
    summaries = summaries or os.path.join(HERE, 'summaries')
    man = _load(os.path.join(models_dir, 'manifest.json')) or {'models': {}}
    models = man['models']
    any_trained = any(m.get('trained') for m in models.values())
    L = ['# Model card — vqdsr-web models', '']
    if not any_trained:
        L += ['**Status: every file here is a randomly initialised placeholder** (`manifest.json`: `"trained": false`). '
              'It has the shipped topology and I/O contract so the app and its tests run; it does not degrade or '
              'upscale meaningfully.', '']
    L += ['Everything here was trained from scratch by this project (`training/`); no third-party weights. '
          'All numbers below are measured on held-out data (clip-art files and procedural seeds never trained on) '
          'and copied from `training/summaries/*.json`.', '',
          '| model | file | size | sha256 (first 12) | trained |', '| --- | --- | --- | --- | --- |']
    for name, m in models.items():
        for f in m['files']:
            L.append(f'| {name} | `{f["file"]}` | {_mib(f["bytes"])} | `{f["sha256"][:12]}` | {m["trained"]} |')
    L += ['', 'I/O contracts (names, shapes, ranges) are in `manifest.json`.', '']
    if 'vqgan' in models:
        L += _vqgan_section(models['vqgan'], _load(os.path.join(summaries, 'vqgan.json')) or {})
        L += _vqgan_quality_section(models['vqgan'])
    for name in VSR_MODELS:
        if name in models:
            L += _vsr_section(name, models[name], _load(os.path.join(summaries, f'{name}.json')) or {})
    L += _router_section(models, _load(os.path.join(summaries, 'router.json')) or {})
    L += _quality_section(models)
    L += _ensemble_section(models)
    L += ['## Limits', '',
          '- The VQGAN\'s "real low-quality" prior is **synthetic**: the paper learns it from real low-quality '
          'animation (RAL), which is not available here. Ours comes from clip art and procedural cel scenes pushed '
          'through ffmpeg chains (downscale, 1–3 generations of x264 / mpeg2 / mpeg4 at low quality, yuv420p, '
          'sharpening halos, upscaling from SD). Its codes therefore encode codec-like artefacts of that chain, '
          'not those of real broadcast/DVD animation.',
          *_training_limits(_load(os.path.join(summaries, 'vqgan.json')) or {},
                            _load(os.path.join(summaries, 'vsr.json')) or {}),
          '- L1 losses only (no GAN, no perceptual loss: pretrained VGG weights cannot be fetched here). Expect '
          'smooth rather than sharp detail on real footage; held-out numbers are on the same synthetic domain as '
          'training.',
          '- Held-out split by source (clip-art file hash / procedural seed range), not by style: the procedural '
          'generator and the degradation chains are shared by both splits.', '',
          '## Reproduce', '',
          '`npm run train` (training/train_all.sh: data, prior set, VQGAN, VSR pairs via the degrade CLI, VSR, export, '
          'manifest, this card; resumable from training/runs/*/last.pt). The lent-GPU runs are in '
          '`training/GPU_RUNS.md`.', '']
    path = os.path.join(models_dir, 'MODEL_CARD.md')
    with open(path, 'w') as f:
        f.write('\n'.join(L))
    print(f'wrote {path}')
    return path


if __name__ == '__main__':
    write_model_card(sys.argv[1] if len(sys.argv) > 1 else None)
