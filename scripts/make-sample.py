#!/usr/bin/python3
"""Make the bundled sample clip and the small real test fixtures.

Everything is drawn procedurally here (no third-party art), so the output is
public domain / CC0. The look imitates cel animation, the content VQD-SR
targets: flat fills, a gradient sky, dark anti-aliased outlines, hard-edged
cel shadows, a character-like shape that hops across and a slow camera pan.

Run from the repo root:  /usr/bin/python3 scripts/make-sample.py
  (--refs-only: remake only the decoded references, ref-NN.png and roundtrip/, from the committed
  clip-64x48.mp4 and src-NN.png, e.g. after a change of the YUV -> RGB conversion;
  --decoder-fixtures: remake only e2e/fixtures/decoders/ from the committed src-NN.png)
Needs: Pillow, numpy (Debian: python3-pil python3-numpy), Debian's ffmpeg
(libx264) and the repo's node_modules (npx tsx, to read src/media/codec-args.ts). Writes:
  public/samples/sample.mp4, sample.json          the app's sample clip
  e2e/fixtures/frame-{96x64,64x64,48x32}.png     single real frames
  e2e/fixtures/clip-64x48.mp4                    8 frames, H.264
  e2e/fixtures/clip-64x48/src-NN.png             its lossless source frames
  e2e/fixtures/clip-64x48/ref-NN.png             native ffmpeg decode of the mp4 (RGBA): its yuv420p
                                                 planes through training/yuv_exact.py's yuv420_to_rgb
  e2e/fixtures/clip-32x32/frame-N.png            3-frame lossless clip
  e2e/fixtures/roundtrip/x264-crfNN-NN.png       native x264 round trip of src-NN (codec-args.ts),
                                                 its yuv420p planes through yuv420_to_rgb (yuv_exact.py)
  e2e/fixtures/roundtrip/native.json             its encoded sizes and the exact args
  e2e/fixtures/formats/                          still-48x32.{jpg,webp,bmp}, anim-32x32.gif,
                                                 still-48x32.jpg.ref.png (Pillow's decode of the jpg)
  e2e/fixtures/formats/mpeg4-64x48.mp4           clip-64x48 as MPEG-4 part 2 (no WebCodecs decoder)
  e2e/fixtures/formats/vp9-63x47-bt709-full.mp4  clip-64x48 cropped to odd 63x47, VP9, BT.709 full range
  e2e/fixtures/decoders/                         files as phones, editors and sites make them (clip-64x48's
                                                 source): AV1 (untagged; BT.709 full range), a phone clip
                                                 turned a quarter (display matrix), a trimmed MP4 whose edit
                                                 list hides its first frames, anamorphic (SAR 32:27), interlaced;
                                                 all but the anamorphic one with NAME-NN.png, native Debian
                                                 ffmpeg's decode (yuv420p planes through yuv420_to_rgb)
  e2e/fixtures/corrupt.mp4                       bytes that are no video
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'training'))
from yuv_exact import read_yuv420, yuv420_to_rgb  # noqa: E402  (the one exact YUV -> RGB on the Python side)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W, H = 480, 270          # output size: 4x gives 1920x1080
SS = 4                   # supersampling factor for anti-aliased edges
FPS = 25
SECONDS = 3
FRAMES = FPS * SECONDS
WORLD_W = 640            # background is wider than the view: the camera pans over it
PAN_PX = WORLD_W - W     # total pan in output pixels over the clip
CRF = 20

OUTLINE = (34, 26, 38)
OUTLINE_W = 2 * SS       # 2 output px, drawn at supersampled scale


def s(v):
    """Scale an output-pixel coordinate (or tuple) to the supersampled canvas."""
    if isinstance(v, (tuple, list)):
        return type(v)(s(x) for x in v)
    return v * SS


def shade(rgb, f):
    return tuple(max(0, min(255, int(round(c * f)))) for c in rgb)


class Layer:
    """A supersampled RGB canvas with helpers for cel-style shapes."""

    def __init__(self, w, h):
        self.img = Image.new('RGB', (s(w), s(h)))
        self.w, self.h = w, h

    def mask(self, draw_fn):
        m = Image.new('L', self.img.size, 0)
        draw_fn(ImageDraw.Draw(m))
        return m

    def fill(self, m, rgb):
        self.img.paste(rgb, (0, 0), m)

    def cel(self, shape_fn, rgb, light_offset, shadow_f=0.68, outline=True):
        """Fill a shape, then darken the part the light-shifted copy does not cover.

        The shadow is the shape minus itself shifted toward the light: a hard
        terminator like hand-painted cel shadows.
        """
        base = self.mask(lambda d: shape_fn(d, 0, 0, 255))
        lit = self.mask(lambda d: shape_fn(d, s(light_offset[0]), s(light_offset[1]), 255))
        shadow = Image.fromarray(np.minimum(np.asarray(base), 255 - np.asarray(lit)).astype(np.uint8))
        self.fill(base, rgb)
        self.fill(shadow, shade(rgb, shadow_f))
        if outline:
            d = ImageDraw.Draw(self.img)
            shape_fn(d, 0, 0, None)


def ellipse(box):
    """An ellipse in output-pixel coordinates (x0, y0, x1, y1)."""
    sb = s(tuple(box))

    def fn(d, dx, dy, fill):
        b = (sb[0] + dx, sb[1] + dy, sb[2] + dx, sb[3] + dy)
        if fill is None:
            d.ellipse(b, outline=OUTLINE, width=OUTLINE_W)
        else:
            d.ellipse(b, fill=fill)
    return fn


def polygon(pts):
    """A closed polygon in output-pixel coordinates."""
    def fn(d, dx, dy, fill):
        p = [(s(x) + dx, s(y) + dy) for x, y in pts]
        if fill is None:
            d.line(p + [p[0], p[1]], fill=OUTLINE, width=OUTLINE_W, joint='curve')
        else:
            d.polygon(p, fill=fill)
    return fn


def sky_gradient(w, h):
    top = np.array([70, 120, 205], np.float32)
    bottom = np.array([250, 214, 176], np.float32)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None] ** 1.3
    rows = top * (1 - t) + bottom * t
    return Image.fromarray(np.broadcast_to(rows, (h, w, 3)).round().astype(np.uint8))


def hill_points(x0, x1, base_y, amp, freq, phase, n=80):
    pts = [(x0, base_y + 200)]
    for i in range(n + 1):
        x = x0 + (x1 - x0) * i / n
        y = base_y - amp * (0.6 * math.sin(freq * x + phase) + 0.4 * math.sin(2.3 * freq * x + 1.7 * phase))
        pts.append((x, y))
    pts.append((x1, base_y + 200))
    return pts


def draw_background():
    """The static world, WORLD_W wide, supersampled."""
    L = Layer(WORLD_W, H)
    L.img.paste(sky_gradient(s(WORLD_W), s(H)), (0, 0))
    d = ImageDraw.Draw(L.img)
    # Sun with a flat halo ring.
    d.ellipse(s((470, 28, 530, 88)), fill=(255, 238, 190))
    d.ellipse(s((480, 38, 520, 78)), fill=(255, 250, 225))
    # Clouds: flat white blobs with a cel-shaded underside.
    for cx, cy, sc in [(90, 50, 1.0), (300, 34, 0.8), (590, 62, 1.1)]:
        blobs = [(-30, 0, 22), (-8, -10, 26), (18, -4, 22), (36, 4, 16)]
        def cloud(dd, dx, dy, fill, blobs=blobs, cx=cx, cy=cy, sc=sc):
            for bx, by, r in blobs:
                b = s((cx + sc * (bx - r), cy + sc * (by - r), cx + sc * (bx + r), cy + sc * (by + r * 0.8)))
                b = (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)
                if fill is None:
                    continue  # clouds keep soft, outline-free edges
                dd.ellipse(b, fill=fill)
        L.cel(cloud, (250, 250, 255), (0, -5), shadow_f=0.86, outline=False)
    # Far hills (bluish, no outline: aerial perspective), near hills (green, outlined).
    L.cel(polygon(hill_points(-10, WORLD_W + 10, 170, 22, 0.018, 0.5)), (120, 150, 190), (6, -4),
          shadow_f=0.85, outline=False)
    L.cel(polygon(hill_points(-10, WORLD_W + 10, 205, 16, 0.026, 2.0)), (98, 170, 84), (8, -5))
    # Ground strip with a path.
    d = ImageDraw.Draw(L.img)
    d.rectangle(s((0, 222, WORLD_W, H)), fill=(122, 188, 92))
    d.line([s((0, 222)), s((WORLD_W, 222))], fill=OUTLINE, width=OUTLINE_W)
    L.cel(polygon([(0, 236), (WORLD_W, 232), (WORLD_W, 252), (0, 258)]), (214, 186, 136), (0, -3), shadow_f=0.8)
    # A house: walls, roof, door, window.
    L.cel(polygon([(380, 150), (450, 150), (450, 224), (380, 224)]), (236, 222, 196), (10, 0))
    L.cel(polygon([(370, 152), (415, 112), (460, 152)]), (196, 70, 60), (8, 2))
    L.cel(polygon([(402, 190), (420, 190), (420, 224), (402, 224)]), (120, 80, 52), (3, 0))
    L.cel(polygon([(428, 164), (442, 164), (442, 178), (428, 178)]), (150, 200, 235), (3, 3), shadow_f=0.8)
    # Trees: trunk plus a round cel-shaded crown.
    for tx, ty, r in [(120, 170, 30), (205, 180, 22), (560, 168, 32)]:
        L.cel(polygon([(tx - 5, ty + r - 6), (tx + 5, ty + r - 6), (tx + 6, 226), (tx - 6, 226)]),
              (126, 86, 54), (3, 0))
        L.cel(ellipse((tx - r, ty - r, tx + r, ty + r)), (62, 140, 70), (9, -7))
    # Flowers: small dots to give fine detail to super-resolve.
    rng = np.random.default_rng(7)
    for _ in range(70):
        x = rng.uniform(0, WORLD_W)
        y = rng.uniform(226, 268)
        if 230 < y < 260:
            continue
        col = [(250, 240, 110), (240, 120, 160), (255, 255, 255)][rng.integers(3)]
        d.ellipse(s((x - 1.6, y - 1.6, x + 1.6, y + 1.6)), fill=col, outline=OUTLINE, width=SS)
    return L.img


def draw_character(L, x, y, t):
    """A round blob character that hops, squashes and blinks (centred at x, feet at y)."""
    phase = (t * 2.2) % 1.0
    hop = abs(math.sin(math.pi * phase)) * 18
    squash = 1.0 - 0.12 * math.cos(2 * math.pi * phase) if hop < 4 else 1.0
    cy = y - hop
    bw, bh = 26 / squash ** 0.5, 30 * squash
    # Ground shadow: flat, darker, no outline.
    d = ImageDraw.Draw(L.img)
    sh = 18 - hop * 0.4
    d.ellipse(s((x - sh, y - 3, x + sh, y + 3)), fill=(80, 130, 62))
    # Feet.
    for fx in (-10, 10):
        L.cel(ellipse((x + fx - 7, cy - 6, x + fx + 7, cy + 2)), (236, 120, 60), (3, -2))
    # Body.
    L.cel(ellipse((x - bw, cy - 2 * bh, x + bw, cy - 2)), (255, 196, 72), (8, -6))
    # Arm, swinging.
    a = math.sin(2 * math.pi * phase) * 0.6
    ax, ay = x - bw + 4, cy - bh
    hx, hy = ax - 12 * math.cos(a), ay + 12 * math.sin(a) + 4
    L.cel(ellipse((hx - 5, hy - 5, hx + 5, hy + 5)), (255, 196, 72), (2, -2))
    # Eyes with highlight; blink on a few frames.
    blink = (int(t * FPS) % 40) in (30, 31, 32)
    for ex in (x - 3, x + 9):
        ey = cy - 1.35 * bh
        if blink:
            d.line([s((ex - 4, ey)), s((ex + 4, ey))], fill=OUTLINE, width=OUTLINE_W)
        else:
            d.ellipse(s((ex - 4, ey - 6, ex + 4, ey + 6)), fill=OUTLINE)
            d.ellipse(s((ex - 1.5, ey - 4, ex + 1.5, ey - 1)), fill=(255, 255, 255))
    # Cheek and mouth.
    d.ellipse(s((x + 13, cy - 1.05 * bh, x + 21, cy - 0.9 * bh)), fill=(245, 140, 110))
    d.arc(s((x, cy - 1.15 * bh, x + 10, cy - 0.8 * bh)), 20, 160, fill=OUTLINE, width=SS + 2)


def render_frames():
    bg = draw_background()
    frames = []
    for i in range(FRAMES):
        t = i / FPS
        # Ease-in-out pan so motion starts and ends softly.
        u = 0.5 - 0.5 * math.cos(math.pi * i / (FRAMES - 1))
        cam = PAN_PX * u
        L = Layer(W, H)
        # Sub-pixel camera position: crop at supersampled resolution.
        off = int(round(s(cam)))
        L.img.paste(bg.crop((off, 0, off + s(W), s(H))), (0, 0))
        char_world_x = 150 + 230 * (i / (FRAMES - 1))
        draw_character(L, char_world_x - cam, 238, t)
        # Box-filter down to the output size: gives the soft, anti-aliased edges of rendered cels.
        frames.append(L.img.resize((W, H), Image.BOX))
    return frames


def ffmpeg(*args):
    subprocess.run(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', *args], check=True)


def encode(png_pattern, fps, out, crf, extra=()):
    """Rawvideo rgb24 frames -> yuv420p H.264, the same args the app's FFmpeg stage uses."""
    ffmpeg('-framerate', str(fps), '-i', png_pattern, '-pix_fmt', 'yuv420p', '-r', str(fps),
           '-c:v', 'libx264', '-crf', str(crf), '-profile:v', 'high', *extra,
           '-movflags', '+faststart', out)


def stage_args(crf, width, height):
    """The FFmpeg stage's encode and decode command lines, from src/media/codec-args.ts itself."""
    js = ("import {encodeArgs, decodeArgs, SWS_FLAGS} from './src/media/codec-args.ts';"
          f"const o = {{codec: 'libx264', crf: {crf}, qscale: 4, profile: 'high', fps: 25}};"
          f"console.log(JSON.stringify([encodeArgs(o, {width}, {height}, 'pipe:0', 'pipe:1'),"
          "decodeArgs(o, 'pipe:0', 'pipe:1'), SWS_FLAGS]));")
    out = subprocess.run(['npx', 'tsx', '-e', js], cwd=ROOT, capture_output=True, check=True, text=True).stdout
    return json.loads(out)


def ffmpeg_version():
    return subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True).stdout.splitlines()[0]


def decoded_refs(fixtures):
    """The references made by decoding, as every decode path of the app and the CLI does it:
    ffmpeg's yuv420p planes (untagged: BT.601 limited range) through the exact conversion.
    - clip-64x48/ref-NN.png: clip-64x48.mp4 decoded (RGBA, as the media worker returns frames);
    - roundtrip/x264-crfNN-NN.png: native x264 round trips of src-NN.png with the app's own
      FFmpeg-stage command lines (src/media/codec-args.ts), what the browser's ffmpeg.wasm must match."""
    clip_dir = os.path.join(fixtures, 'clip-64x48')
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', os.path.join(fixtures, 'clip-64x48.mp4'),
                          '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], capture_output=True, check=True).stdout
    for k, (y, u, v) in enumerate(read_yuv420(raw, 64, 48)):
        rgba = np.dstack([yuv420_to_rgb(y, u, v), np.full((48, 64), 255, np.uint8)])
        Image.fromarray(rgba, 'RGBA').save(os.path.join(clip_dir, f'ref-{k:02d}.png'))

    rt_dir = os.path.join(fixtures, 'roundtrip')
    shutil.rmtree(rt_dir, ignore_errors=True)
    os.makedirs(rt_dir)
    src = [Image.open(os.path.join(clip_dir, f'src-{k:02d}.png')).convert('RGB') for k in range(8)]
    raw = b''.join(f.tobytes() for f in src)
    sizes = {}
    for crf in (18, 35):
        enc_args, dec_args, _ = stage_args(crf, 64, 48)
        stream = subprocess.run(['ffmpeg', *enc_args], input=raw, capture_output=True, check=True).stdout
        dec = subprocess.run(['ffmpeg', *dec_args], input=stream, capture_output=True, check=True).stdout
        planes = read_yuv420(dec, 64, 48)
        assert len(planes) == 8, f'crf {crf}: decoded {len(planes)} frames, want 8'
        for k, (y, u, v) in enumerate(planes):
            Image.fromarray(yuv420_to_rgb(y, u, v), 'RGB').save(os.path.join(rt_dir, f'x264-crf{crf}-{k:02d}.png'))
        sizes[f'crf{crf}'] = len(stream)
    with open(os.path.join(rt_dir, 'native.json'), 'w') as fh:
        json.dump({'encoder': ffmpeg_version(), 'input': 'e2e/fixtures/clip-64x48/src-00..07.png',
                   'codec': 'libx264', 'profile': 'high', 'fps': 25, 'bytes': sizes,
                   'args': {f'crf{c}': stage_args(c, 64, 48)[0] for c in (18, 35)}}, fh, indent=2)
        fh.write('\n')


def codec_fixtures(fixtures):
    """Videos for the decoder choice (src/media/media.browsertest.ts): one whose codec browsers'
    WebCodecs lacks (ffmpeg.wasm must take it), one WebCodecs decodes whose pixels take the odd-width
    and tagged-colour paths of the YUV -> RGB conversion (src/media/yuv.ts)."""
    src = os.path.join(fixtures, 'clip-64x48', 'src-%02d.png')
    fmt_dir = os.path.join(fixtures, 'formats')
    ffmpeg('-framerate', '25', '-i', src, '-c:v', 'mpeg4', '-q:v', '4', '-pix_fmt', 'yuv420p',
           '-flags:v', '+bitexact', '-fflags', '+bitexact', '-an', '-movflags', '+faststart',
           os.path.join(fmt_dir, 'mpeg4-64x48.mp4'))
    # (H.264 4:2:0 cannot crop to odd sizes; VP9 can.)
    ffmpeg('-framerate', '25', '-i', src, '-vf', 'crop=63:47:0:0,scale=out_range=pc:out_color_matrix=bt709',
           '-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p', '-crf', '30', '-b:v', '0', '-threads', '1', '-row-mt', '0',
           '-deadline', 'good', '-cpu-used', '4', '-color_range', 'pc', '-colorspace', 'bt709',
           '-color_primaries', 'bt709', '-color_trc', 'bt709', '-fflags', '+bitexact', '-flags:v', '+bitexact',
           '-movflags', '+faststart', os.path.join(fmt_dir, 'vp9-63x47-bt709-full.mp4'))


def decoder_fixtures(fixtures):
    """Files whose decode differs from a plain MP4's, and native ffmpeg's frames of each (what the
    CLI gives, so what the app must give): src/media/media.browsertest.ts, ffmpeg-node.test.ts.
    - av1-64x48.mp4, av1-64x48-bt709-full.mp4: AV1 (the browser decodes it, this ffmpeg.wasm
      build has no AV1 decoder); untagged (BT.601 limited, ffmpeg's reading) and tagged in the
      container (the colr box);
    - rot90-64x48.mp4: H.264 with a display matrix of a quarter turn (phone clips): ffmpeg turns
      the frames upright, 48x64;
    - trimmed-64x48.mp4: H.264 with B-frames cut by stream copy from its 3rd frame on
      (`-ss … -c copy`): the edit list hides the samples before it that the decoder still needs;
    - anamorphic-64x48.mp4: H.264 with non-square pixels (SAR 32:27, a DVD's 16:9), no refs;
    - interlaced-64x48.mp4: H.264 coded interlaced (top field first), fields woven from two source
      frames each; refs through codec-args.ts's DEINTERLACE_FILTER, as the app and the CLI decode it."""
    src = os.path.join(fixtures, 'clip-64x48', 'src-%02d.png')
    out = os.path.join(fixtures, 'decoders')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    bitexact = ('-fflags', '+bitexact', '-flags:v', '+bitexact', '-movflags', '+faststart')
    av1 = ('-c:v', 'libaom-av1', '-cpu-used', '8', '-threads', '1', '-crf', '30', '-pix_fmt', 'yuv420p')
    ffmpeg('-framerate', '25', '-i', src, *av1, *bitexact, os.path.join(out, 'av1-64x48.mp4'))
    ffmpeg('-framerate', '25', '-i', src, '-vf', 'scale=out_range=pc:out_color_matrix=bt709', *av1,
           '-color_range', 'pc', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709',
           *bitexact, os.path.join(out, 'av1-64x48-bt709-full.mp4'))
    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(tmp, 'plain.mp4')
        encode(src, FPS, plain, 20, ('-bf', '2', '-g', '8', *bitexact[:4]))
        ffmpeg('-i', plain, '-c', 'copy', '-metadata:s:v', 'rotate=90', *bitexact, os.path.join(out, 'rot90-64x48.mp4'))
        ffmpeg('-ss', str(2.5 / FPS), '-i', plain, '-c', 'copy', *bitexact, os.path.join(out, 'trimmed-64x48.mp4'))
    # Anamorphic (a DVD's pixel shape, 32:27): its frames are a plain decode; what matters is the SAR.
    encode(src, FPS, os.path.join(out, 'anamorphic-64x48.mp4'), 20, ('-vf', 'setsar=32/27', *bitexact[:4]))
    # Interlaced: each frame weaves the fields of two source frames (real comb teeth where things
    # move), coded as interlaced, top field first; 16 frames at 50 fps.
    ffmpeg('-framerate', '25', '-i', src, '-vf', 'tinterlace=mode=interlacex2', '-c:v', 'libx264', '-crf', '18',
           '-pix_fmt', 'yuv420p', '-flags', '+ildct+ilme', '-x264opts', 'tff=1', '-threads', '1', *bitexact,
           os.path.join(out, 'interlaced-64x48.mp4'))
    deinterlace = subprocess.run(['npx', 'tsx', '-e', "import {DEINTERLACE_FILTER} from './src/media/codec-args.ts'; console.log(DEINTERLACE_FILTER);"],
                                 cwd=ROOT, capture_output=True, check=True, text=True).stdout.strip()
    for name in ('av1-64x48', 'av1-64x48-bt709-full', 'rot90-64x48', 'trimmed-64x48', 'interlaced-64x48'):
        path = os.path.join(out, f'{name}.mp4')
        probe = json.loads(subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries',
                                           'stream=width,height,color_space,color_range:stream_side_data=rotation',
                                           '-of', 'json', path], capture_output=True, check=True, text=True).stdout)['streams'][0]
        turned = abs(round(float((probe.get('side_data_list') or [{}])[0].get('rotation', 0)) / 90)) % 2 == 1
        w, h = (probe['height'], probe['width']) if turned else (probe['width'], probe['height'])
        # (interlaced: decoded as the app and the CLI do, through their deinterlacing filter)
        vf = ['-vf', deinterlace] if name.startswith('interlaced') else []
        raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, *vf, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
                             capture_output=True, check=True).stdout
        matrix = 'bt709' if probe.get('color_space') == 'bt709' else 'bt601'
        full = probe.get('color_range') == 'pc'
        frames = read_yuv420(raw, w, h)
        for k, (y, u, v) in enumerate(frames):
            rgba = np.dstack([yuv420_to_rgb(y, u, v, matrix, full), np.full((h, w), 255, np.uint8)])
            Image.fromarray(rgba, 'RGBA').save(os.path.join(out, f'{name}-{k:02d}.png'))
        print(f'{name}.mp4: {len(frames)} frames {w}x{h} ({matrix}, {"full" if full else "limited"} range)')


def main():
    samples = os.path.join(ROOT, 'public', 'samples')
    fixtures = os.path.join(ROOT, 'e2e', 'fixtures')
    os.makedirs(samples, exist_ok=True)
    os.makedirs(fixtures, exist_ok=True)
    frames = render_frames()
    with tempfile.TemporaryDirectory() as tmp:
        for i, f in enumerate(frames):
            f.save(os.path.join(tmp, f'f{i:03d}.png'))
        mp4 = os.path.join(samples, 'sample.mp4')
        encode(os.path.join(tmp, 'f%03d.png'), FPS, mp4, CRF)
    size = os.path.getsize(mp4)
    assert size <= 3 * 1024 * 1024, f'sample.mp4 is {size} bytes, over 3 MB'
    meta = {
        'title': 'Hop across the meadow (procedural cel-shaded sample)',
        'license': 'Public domain (CC0 1.0): drawn procedurally by scripts/make-sample.py, no third-party art',
        'made_by': 'scripts/make-sample.py: Pillow draws each frame at 4x (flat fills, gradient sky, '
                   'dark outlines, hard cel shadows), box-downsamples to 480x270, then Debian ffmpeg '
                   f'encodes libx264 yuv420p crf {CRF} profile high',
        'width': W, 'height': H, 'fps': FPS, 'frames': FRAMES, 'duration_s': SECONDS,
        'codec': 'h264', 'pix_fmt': 'yuv420p', 'crf': CRF, 'bytes': size,
        'upscaled_x4': [W * 4, H * 4],
    }
    with open(os.path.join(samples, 'sample.json'), 'w') as fh:
        json.dump(meta, fh, indent=2)
        fh.write('\n')

    # Single frames: a crop around the character (fine outlines, shadows) and plain downscales.
    mid = frames[FRAMES // 2]
    mid.crop((140, 178, 236, 242)).save(os.path.join(fixtures, 'frame-96x64.png'))
    frames[10].crop((130, 170, 194, 234)).save(os.path.join(fixtures, 'frame-64x64.png'))
    frames[40].resize((48, 32), Image.BOX, reducing_gap=None).save(os.path.join(fixtures, 'frame-48x32.png'))

    # 8-frame 64x48 clip: area-downscaled crops (4:3) of every 4th frame; the source PNGs are
    # committed too so round-trip tests have a lossless input.
    clip_dir = os.path.join(fixtures, 'clip-64x48')
    shutil.rmtree(clip_dir, ignore_errors=True)
    os.makedirs(clip_dir)
    for k in range(8):
        f = frames[20 + 4 * k].crop((60, 30, 420, 300 - 30)).resize((64, 48), Image.BOX)
        f.save(os.path.join(clip_dir, f'src-{k:02d}.png'))
    clip = os.path.join(fixtures, 'clip-64x48.mp4')
    encode(os.path.join(clip_dir, 'src-%02d.png'), FPS, clip, 20)
    decoded_refs(fixtures)

    # The same content in the other formats a user may drop, for sniffing and decode tests.
    fmt_dir = os.path.join(fixtures, 'formats')
    shutil.rmtree(fmt_dir, ignore_errors=True)
    os.makedirs(fmt_dir)
    still = Image.open(os.path.join(fixtures, 'frame-48x32.png')).convert('RGB')
    still.save(os.path.join(fmt_dir, 'still-48x32.jpg'), quality=92)
    # libjpeg-turbo's decode of it (Pillow): the reference for the browser's JPEG decoder.
    Image.open(os.path.join(fmt_dir, 'still-48x32.jpg')).convert('RGB').save(os.path.join(fmt_dir, 'still-48x32.jpg.ref.png'))
    still.save(os.path.join(fmt_dir, 'still-48x32.webp'), lossless=True)
    still.save(os.path.join(fmt_dir, 'still-48x32.bmp'))
    codec_fixtures(fixtures)
    decoder_fixtures(fixtures)

    clip32 = os.path.join(fixtures, 'clip-32x32')
    shutil.rmtree(clip32, ignore_errors=True)
    os.makedirs(clip32)
    for k in range(3):
        frames[30 + 2 * k].crop((155, 182, 219, 246)).resize((32, 32), Image.BOX).save(
            os.path.join(clip32, f'frame-{k}.png'))
    gif = [Image.open(os.path.join(clip32, f'frame-{k}.png')).convert('RGB') for k in range(3)]
    gif[0].save(os.path.join(fmt_dir, 'anim-32x32.gif'), save_all=True, append_images=gif[1:], duration=100, loop=0)

    # A "video" that is not one: an MP4-looking name over random bytes, for error tests.
    rng = np.random.default_rng(1)
    with open(os.path.join(fixtures, 'corrupt.mp4'), 'wb') as fh:
        fh.write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())

    print(f'sample.mp4: {size} bytes, {FRAMES} frames {W}x{H} @ {FPS} fps')


if __name__ == '__main__':
    if sys.argv[1:] == ['--refs-only']:
        decoded_refs(os.path.join(ROOT, 'e2e', 'fixtures'))
    elif sys.argv[1:] == ['--decoder-fixtures']:
        decoder_fixtures(os.path.join(ROOT, 'e2e', 'fixtures'))
    elif sys.argv[1:]:
        sys.exit(f'usage: {sys.argv[0]} [--refs-only | --decoder-fixtures]')
    else:
        sys.exit(main())
