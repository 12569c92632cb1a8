"""Compare two methods of a quality-bench result (`npm run bench quality`, bench/results/*.json) clip by clip.

    /usr/bin/python3 training/bench_compare.py RESULT.json NAME [REF=vsr-restore]

Per condition: each method's mean PSNR-Y gain over bicubic, the clips where NAME beats REF and where it loses
(by more than 0.02 dB, with the difference), and each one's worst clip. A candidate that gains on most clips but
loses one badly shows here at once, where the mean alone would hide it (the 02-svg pattern of 2026-12-06).
"""
import json
import sys


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, name = sys.argv[1], sys.argv[2]
    ref = sys.argv[3] if len(sys.argv) > 3 else 'vsr-restore'
    d = json.load(open(path))
    d = d['node'][0] if 'node' in d else d
    for cond, methods in d['per_clip'].items():
        if name not in methods or ref not in methods:
            print(f'{cond}: {name if name not in methods else ref} not in this result')
            continue
        # Means and worst clips are the bench's own (summary); only the clip-by-clip differences are made here.
        summ = d['summary'][cond]
        mean = {m: summ[m]['gain_db'] for m in (name, ref)}
        worst = {m: summ[m]['worst'] for m in (name, ref)}
        bic = methods['bicubic']
        diff = {c: methods[name][c]['psnr_y'] - methods[ref][c]['psnr_y'] for c in bic}
        wins = sorted((c for c in diff if diff[c] > 0.02), key=lambda c: -diff[c])
        losses = sorted((c for c in diff if diff[c] < -0.02), key=lambda c: diff[c])
        print(f'{cond:5s} {name} {mean[name]:+.3f} dB vs {ref} {mean[ref]:+.3f} ({mean[name] - mean[ref]:+.3f}); '
              f'better on {len(wins)}, worse on {len(losses)} of {len(diff)} clips; '
              f'worst clip {worst[name]["clip"]} {worst[name]["gain_db"]:+.2f} / {worst[ref]["clip"]} {worst[ref]["gain_db"]:+.2f}')
        if losses:
            print('      worse: ' + ', '.join(f'{c} {diff[c]:+.2f}' for c in losses))
        if wins:
            print('      better: ' + ', '.join(f'{c} {diff[c]:+.2f}' for c in wins))


if __name__ == '__main__':
    main()
