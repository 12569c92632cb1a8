/**
 * `vqdsr upscale`: the recurrent VSR net ×4 over a clip or an image in Node (onnxruntime-node),
 * streaming: frames are decoded, upscaled and written one at a time (three LR frames and one
 * output frame in memory), with a progress bar on the terminal.
 *
 * Output by name: `*.mp4` (H.264) or `*.webm` (VP9) through native ffmpeg with the input's audio
 * kept (the same command lines as the app's export, src/media/export-args.ts); `*.png` for a
 * single image; anything else is a folder of PNG frames 00000.png, 00001.png, ….
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { sniff } from '../media/sniff.ts';
import path from 'node:path';
import { type ImageF32 } from '../core/image.ts';
import { toRgb24 } from '../core/pixels.ts';
import { partialFileName, videoExportArgs, videoExportProblem, QUALITY, X264_PRESETS, type VideoFormat, type X264Preset } from '../media/export-args.ts';
import { StopRequest } from './stop-request.ts';
import { STOP_RESUME_AND_EXIT_HELP, WARM_UP_FRAMES, findPartialVideo, framesAlreadyWritten, joinVideos, type PartialVideo } from './resume.ts';
import { keptPacketCount, parseProbe } from '../media/probe.ts';
import type { MediaInfo, PixelAspect } from '../media/frames.ts';
import { FfmpegError, FfmpegUnavailableError, OWN_PROCESS_GROUP, findNativeFfmpeg, getFfmpeg, readFileHead } from '../media/ffmpeg-node.ts';
import { upscaleClipCpu } from '../pipeline/vsr/vsr-cpu.ts';
import { VSR_DEFAULT_OVERLAP, VSR_DEFAULT_TILE } from '../pipeline/vsr/vsr-common.ts';
import { createVsrNode } from '../pipeline/vsr/vsr-node.ts';
import { routedModels, upscaleClipAuto } from '../pipeline/vsr/vsr-auto-node.ts';
import { ensembleSequence, isEnsembleSize } from '../pipeline/vsr/self-ensemble.ts';
import { VSR_MODEL_SCALE } from '../models/kinds.ts';
import { byoSummary, type ByoAnswers } from '../pipeline/byo/byo-model.ts';
import { parseCommandArgs, seeHelp } from './args.ts';
import { OUTPUT_SIZE_OPTIONS, outputSizeArg, planForCli, resampleClip } from './output-size-args.ts';
import { describePlan } from '../pipeline/vsr/output-size.ts';
import { UsageError } from './errors.ts';
import { openInput, parseFrameRange, type FrameRangeArg } from './inputs.ts';
import { writePng } from '../media/png.ts';
import type { CliIo, Command } from './main.ts';

export const UPSCALE_USAGE = `Usage:
  vqdsr upscale <input> <output> [options]

Upscales a clip (or an image) ×4 — or ×2, ×3, or to fit a 720p … 2160p box (--scale, --fit) —
with a recurrent VSR net of the model folder's manifest (by default public/models, model 'vsr')
on the CPU through onnxruntime-node. Frames stream through: a long clip never sits in memory.

<input>   a video file ffmpeg reads, a folder of PNG frames (natural name order), or an image.
<output>  *.mp4  H.264 (native ffmpeg), audio from the input kept
          *.webm VP9 (native ffmpeg), audio kept
          *.png  one image (the input must be a single frame)
          other  a folder of PNG frames 00000.png, 00001.png, … (existing ones are replaced)

Options:
  --scale <n>       output size ×2, ×3 or ×4 (default: the net's own, ×4 for the shipped models): the
                    net's ×4, then a Lanczos-3 downscale (antialiased) for ×2 and ×3 (measured
                    better than the net on a shrunk input; that is only the fallback where the ×4
                    would be over the size limit). Video sides are made even (floored).
  --fit <box>       output size: the largest size of the input's aspect ratio inside 720p (1280×720),
                    1080p, 1440p or 2160p (3840×2160); the box is turned for a portrait input. Past ×4
                    the net's ×4 is enlarged by Lanczos-3. Not with --scale.
  --model <id>      VSR model in the manifest: any model with a *.step.onnx. Shipped: vsr (general,
                    the default), vsr-restore (trained on the paper's degradation pipeline) and
                    vsr-fast (a lighter general net: 1.3–1.6× the speed, a little less quality).
                    auto: measure the first frames (noise, edge sharpness) and run the model the
                    manifest's router picks for them (stderr says which and why).
  --model-file <f>  your own .onnx upscaler instead of the manifest's (×1–×4, NCHW RGB, float32; one
                    frame in and out, or this app's recurrent step). Its scale, value range and tile
                    size are inferred as the app does (a run on a test frame); what cannot be is
                    asked for by name: --model-range 1|255 (its pixel values 0–1 or 0–255) and
                    --model-state-width <C> (a recurrent model's state width). Up to 200 MB.
  --tile <n>        largest LR tile side in pixels (multiple of 4; default ${VSR_DEFAULT_TILE}). Larger frames
                    run as overlapping tiles, each with its own recurrent state.
  --overlap <n>     LR pixels neighbouring tiles share (default ${VSR_DEFAULT_OVERLAP}).
  --ensemble <n>    self-ensemble of n = 1 (default), 2, 4 or 8 passes: the clip also runs mirrored
                    (2, 4) and transposed (8), each pass with its own recurrent state, and the
                    outputs are averaged; n times the time, a little sharper and steadier.
  --frames <a:b>    only frames a … b−1 (0-based); also a: and :b.
  --resume          carry on a run stopped by Ctrl-C (see below) instead of starting over.
  --deinterlace <m> auto (default): video whose stream says it is interlaced (DVD, broadcast) is
                    deinterlaced (ffmpeg's bwdif, one frame per frame) before upscaling, as the app
                    does; off: frames as stored, comb teeth and all.
  --crf <n>         video quality (mp4: x264 CRF 0–51, default ${QUALITY.mp4.default}; webm: VP9 CRF 0–63,
                    default ${QUALITY['webm-vp9'].default}). Lower is better and larger.
  --preset <name>   x264 preset (${X264_PRESETS.join(', ')}; default medium).
  --fps <n>         frame rate for PNG-folder input (default: the video's, else 25).
  --models <dir>    model folder with manifest.json (default: public/models).
  --threads <n>     ORT CPU threads (default: all cores).
  --quiet           no progress bar.

${STOP_RESUME_AND_EXIT_HELP}`;

export interface ProbeResult {
  fps: number | null;
  frameCount: number | null;
  hasAudio: boolean;
  /** The video stream's size where ffprobe says it (checked against the output limit before decoding). */
  width?: number;
  height?: number;
  /** Non-square stored pixels (anamorphic video), as upright frames show them: the output keeps it. */
  pixelAspect?: PixelAspect;
}

/**
 * fps, frame count, audio, upright size and pixel shape of a video file through ffprobe (null
 * fields when unknown): the stream fields read by media/probe.ts parseProbe, as the app reads them;
 * the count is the frames ffmpeg decodes (keptPacketCount), not nb_frames.
 */
export function probeVideo(file: string): ProbeResult {
  const ffprobe = process.env.VQDSR_FFPROBE || 'ffprobe';
  const unknown: ProbeResult = { fps: null, frameCount: null, hasAudio: false };
  const r = spawnSync(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) return unknown;
  let info: MediaInfo;
  try {
    info = parseProbe(JSON.parse(r.stdout), path.basename(file));
  } catch {
    return unknown; // no JSON, or no video stream: decoding says why
  }
  return {
    fps: info.fps > 0 ? info.fps : null,
    frameCount: countDecodedFrames(ffprobe, file),
    hasAudio: info.hasAudio,
    width: info.width,
    height: info.height,
    ...(info.pixelAspect ? { pixelAspect: info.pixelAspect } : {}),
  };
}

/** The frames ffmpeg decodes from the first video stream (media/probe.ts keptPacketCount); demuxes the file. */
function countDecodedFrames(ffprobe: string, file: string): number | null {
  const r = spawnSync(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 256 * 2 ** 20,
  });
  return r.status === 0 ? keptPacketCount(r.stdout.split('\n')) : null;
}

/** Frame size from headers only (no decoding): a still's header, a folder's first PNG, or ffprobe's answer. */
function declaredSize(input: string, probe: ProbeResult): { width: number; height: number } | null {
  if (probe.width && probe.height) return { width: probe.width, height: probe.height };
  let file = input;
  if (statSync(input).isDirectory()) {
    const first = readdirSync(input).filter((f) => /\.png$/i.test(f)).sort(new Intl.Collator('en', { numeric: true }).compare)[0];
    if (!first) return null;
    file = path.join(input, first);
  }
  const s = sniff(readFileHead(file).head);
  return s.width && s.height ? { width: s.width, height: s.height } : null;
}

/** A one-line progress bar: redrawn in place on a terminal, a line every few seconds otherwise. */
export class ProgressLine {
  private readonly t0 = performance.now();
  private lastPrint = 0;
  constructor(
    private readonly io: CliIo,
    private readonly tty: boolean,
    private readonly quiet: boolean,
  ) {}

  static text(done: number, total: number | null, elapsedS: number, width = 28): string {
    const fps = elapsedS > 0 ? done / elapsedS : 0;
    const rate = `${fps >= 10 ? fps.toFixed(1) : fps.toFixed(2)} fps`;
    if (total === null) return `${done} frames · ${rate} · ${clock(elapsedS)}`;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const fill = Math.round(frac * width);
    const left = fps > 0 ? (total - done) / fps : NaN;
    return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} frames · ${rate} · ${Number.isFinite(left) ? `${clock(left)} left` : '…'}`;
  }

  update(done: number, total: number | null, final = false): void {
    if (this.quiet) return;
    const now = performance.now();
    const line = ProgressLine.text(done, total, (now - this.t0) / 1000);
    if (this.tty) {
      process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    } else if (final || now - this.lastPrint > 5000) {
      this.lastPrint = now;
      this.io.err(line);
    }
  }
}

function clock(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return `${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : String(m)}:${String(sec).padStart(2, '0')}`;
}

function parseIntOpt(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${name} must be an integer ${min} … ${max} (got ${JSON.stringify(text)})`);
  return Number(text);
}

type OutputKind = { kind: 'video'; format: VideoFormat } | { kind: 'png' } | { kind: 'folder' };

function outputKind(out: string): OutputKind {
  if (/\.mp4$/i.test(out)) return { kind: 'video', format: 'mp4' };
  if (/\.webm$/i.test(out)) return { kind: 'video', format: 'webm-vp9' };
  if (/\.png$/i.test(out)) return { kind: 'png' };
  if (/\.(mkv|mov|avi|gif|jpe?g|webp)$/i.test(out)) throw new UsageError(`cannot write ${path.extname(out)}: use .mp4, .webm, .png or a folder name`);
  return { kind: 'folder' };
}

export interface UpscaleResult {
  frames: number;
  width: number;
  height: number;
  ms: number;
}

/** What `vqdsr enhance` (src/cli/enhance.ts) changes in this command: its name, usage and output size. */
export interface VsrCommandMode {
  name: 'upscale' | 'enhance';
  usage: string;
}

export const upscaleCommand = {
  name: 'upscale',
  summary: 'upscale a clip or image ×4 with the recurrent VSR net; write MP4/WebM or PNG frames',
  usage: UPSCALE_USAGE,
  async run(argv: string[], io: CliIo, mode: VsrCommandMode = { name: 'upscale', usage: UPSCALE_USAGE }): Promise<number> {
    const args = parseCommandArgs(
      mode.name,
      argv,
      {
        model: { type: 'string' },
        'model-file': { type: 'string' },
        'model-range': { type: 'string' },
        'model-state-width': { type: 'string' },
        tile: { type: 'string' },
        overlap: { type: 'string' },
        ensemble: { type: 'string' },
        crf: { type: 'string' },
        preset: { type: 'string' },
        fps: { type: 'string' },
        deinterlace: { type: 'string' },
        resume: { type: 'boolean' },
        ...OUTPUT_SIZE_OPTIONS,
      },
      mode.usage,
      io,
    );
    if (!args) return 0;
    const { values, positionals } = args;
    if (positionals.length !== 2) throw new UsageError(`${mode.name} needs <input> and <output> (got ${positionals.length} arguments)\n${seeHelp(mode.name)}`);
    const size = outputSizeArg(mode.name, values);
    const [input, output] = positionals.map((p) => path.resolve(p));
    const tile = parseIntOpt('--tile', values.tile as string | undefined, 8, 4096);
    if (tile !== undefined && tile % 4) throw new UsageError(`--tile must be a multiple of 4 (got ${tile})`);
    const overlap = parseIntOpt('--overlap', values.overlap as string | undefined, 0, 1024);
    if (tile !== undefined && (overlap ?? VSR_DEFAULT_OVERLAP) >= tile) throw new UsageError(`--overlap must be smaller than --tile`);
    const ensemble = parseIntOpt('--ensemble', values.ensemble as string | undefined, 1, 8) ?? 1;
    if (!isEnsembleSize(ensemble)) throw new UsageError(`--ensemble must be 1, 2, 4 or 8 (got ${ensemble})`);
    const threads = parseIntOpt('--threads', values.threads as string | undefined, 1, 1024);
    const fpsOpt = values.fps === undefined ? undefined : Number(values.fps);
    if (fpsOpt !== undefined && !(fpsOpt > 0 && fpsOpt <= 240)) throw new UsageError(`--fps must be a number in (0, 240] (got ${JSON.stringify(values.fps)})`);
    const range: FrameRangeArg = values.frames === undefined ? { start: 0, end: Infinity } : parseFrameRange(values.frames as string);
    const out = outputKind(output);
    const preset = values.preset as X264Preset | undefined;
    if (preset !== undefined && !X264_PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${X264_PRESETS.join(', ')}`);
    const crf = parseIntOpt('--crf', values.crf as string | undefined, 0, 63);
    const quiet = !!values.quiet;
    const deinterlaceOpt = (values.deinterlace as string | undefined) ?? 'auto';
    if (deinterlaceOpt !== 'auto' && deinterlaceOpt !== 'off') throw new UsageError(`--deinterlace must be auto or off (got ${deinterlaceOpt})`);

    const modelsDir = values.models as string | undefined;
    const auto = values.model === 'auto';
    // auto: the net is chosen from the first frames once they are decoded; check now that the
    // manifest can choose at all, so a bad run fails before any decoding.
    if (auto && values['model-file'] !== undefined) throw new UsageError('give --model auto (a manifest model picked from the clip) or --model-file (your own), not both');
    // (auto picks from the first frames it gets, and a resumed run starts elsewhere: it could pick another net for the rest)
    if (auto && values.resume) throw new UsageError('--resume with --model auto could pick another model for the rest than the stopped run did: give the model it picked (its first line said which), e.g. --model vsr');
    if (auto) await routedModels(modelsDir);
    const fixed = auto ? null : await createVsrNode({ modelsDir, modelId: values.model as string | undefined, threads, ...byoModelArgs(values) });
    const noteModel = (vsr: NonNullable<typeof fixed>) => {
      if (vsr.model.byo && !quiet) io.err(`model ${vsr.model.byo.fileName}: ${byoSummary(vsr.model)} (${vsr.model.byo.notes.join('; ')})`);
      if (!vsr.trained && !quiet) io.err(`note: model '${vsr.modelId}' is a random-init placeholder (trained: false in the manifest); the output shows the pipeline, not the paper's quality`);
    };
    if (fixed) noteModel(fixed);
    if (!existsSync(input)) throw new UsageError(`input not found: ${input}`);
    const isVideoFile = statSync(input).isFile() && !/\.(png|jpe?g|webp|bmp)$/i.test(input);
    const probe = isVideoFile ? probeVideo(input) : { fps: null, frameCount: null, hasAudio: false };
    const fps = fpsOpt ?? probe.fps ?? 25;
    // The output size is checked before anything is decoded: from the image header, the first PNG
    // of a folder, or ffprobe (a 7680×4320 PNG used to run for minutes before failing without a word).
    const declared = declaredSize(input, probe);
    const sizeOpts = { even: out.kind === 'video', netScale: fixed?.model.scale ?? VSR_MODEL_SCALE };
    if (declared) planForCli(declared.width, declared.height, size, sizeOpts);
    // --resume: frames a stopped run already wrote are kept; the net warms up on the few before (resume.ts).
    const resume = values.resume ? findResumePoint(out, output) : { at: 0, partial: null };
    if (values.resume && !quiet) io.err(resume.at > 0 ? `resuming: ${resume.at} frames already written, carrying on at frame ${range.start + resume.at}` : 'nothing to resume (no frames written yet): starting at the first frame');
    const warm = Math.min(WARM_UP_FRAMES, resume.at);
    const source = await openInput(input, { start: range.start + resume.at - warm, end: range.end }, () => getFfmpeg(), { deinterlace: deinterlaceOpt === 'auto' });
    // (frames of the whole range, as the user asked for it, and of what this run still writes)
    const knownAll = source.frameCount !== null ? source.frameCount + resume.at - warm : probe.frameCount === null ? null : Math.max(0, Math.min(range.end, probe.frameCount) - range.start);
    const known = knownAll === null ? null : Math.max(0, knownAll - resume.at);

    // Peek the first frame for the size, then stream the rest.
    const it = source.frames[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new UsageError(`no frames in ${input}`);
    const { width: w, height: h } = first.value;
    const plan = planForCli(w, h, size, sizeOpts);
    async function* all(): AsyncGenerator<ImageF32> {
      try {
        yield first.value;
        for (let r = await it.next(); !r.done; r = await it.next()) {
          if (r.value.width !== w || r.value.height !== h) throw new UsageError(`frame size changes from ${w}×${h} to ${r.value.width}×${r.value.height}`);
          yield r.value;
        }
      } finally {
        // Ended early (a stop request, an error downstream): close the source, so its decoder
        // process is stopped (the loop above iterates by hand, which never closes it).
        await it.return?.(undefined);
      }
    }
    // The net runs at the plan's net input size (the input itself, or ×1/4 of it for enhance);
    // Lanczos-3 resamples around it where the plan says (output-size-args.ts).
    const tiles = { maxTile: tile, overlap };
    let autoModelId = '?'; // set by onPick before the first frame comes out
    const net = fixed
      ? (lr: AsyncIterable<ImageF32>) => upscaleClipCpu(ensembleSequence((sw, sh) => fixed.sequence(sw, sh, tiles), plan.net.width, plan.net.height, ensemble), lr)
      : (lr: AsyncIterable<ImageF32>) =>
          upscaleClipAuto(lr, plan.net.width, plan.net.height, {
            modelsDir, threads, tile: tiles, ensemble,
            onPick: (pick, vsr) => {
              if (!quiet) io.err(pick.reason);
              autoModelId = vsr.modelId;
              noteModel(vsr);
            },
          });
    const frames = dropFirst(resampleClip(plan, net, all()), warm);
    const { width: W, height: H } = plan.output;
    const progress = new ProgressLine(io, !!process.stderr.isTTY && !quiet, quiet);
    const t0 = performance.now();
    let n = 0;
    const tick = () => progress.update(++n, known);
    // Ctrl-C / SIGTERM: stop at the next frame and close the output properly (stop-request.ts).
    const stop = new StopRequest((t) => io.err(t));
    try {
      if (out.kind === 'video') {
        const format = out.format;
        const q = crf ?? QUALITY[format].default;
        const problem = videoExportProblem({ format, width: W, height: H, fps, crf: q, preset });
        if (problem) throw new UsageError(problem);
        const bin = findNativeFfmpeg();
        if (!bin) throw new FfmpegUnavailableError(`writing ${path.extname(output)} needs the native ffmpeg binary; or give a folder name to write PNG frames`);
        const from = range.start + resume.at;
        const audio = isVideoFile && probe.hasAudio ? { path: input, startS: from / fps, durationS: Number.isFinite(range.end) ? (range.end - from) / fps : undefined } : undefined;
        mkdirSync(path.dirname(output), { recursive: true });
        // Resuming: the rest goes to a temporary file, joined to the partial one below.
        const target = resume.partial ? path.join(path.dirname(output), `.${path.basename(output, path.extname(output))}.rest${path.extname(output)}`) : output;
        await encodeNative(bin, videoExportArgs({
          format, width: W, height: H, fps, crf: q, preset, input: 'pipe:0', pixFmt: 'rgb24', output: target,
          audio, muxerArgs: format === 'mp4' ? ['-movflags', '+faststart'] : [], pixelAspect: probe.pixelAspect,
        }), (async function* () {
          for await (const f of frames) {
            yield toRgb24(f);
            tick();
            if (stop.requested) break;
          }
        })());
        if (resume.partial) {
          const stopped = stop.requested && (known === null || n < known);
          const joined = stopped ? path.join(path.dirname(output), partialFileName(path.basename(output), resume.at + n, knownAll ?? resume.at + n)) : output;
          if (n > 0) {
            joinVideos(bin, resume.partial.file, target, joined);
            if (joined !== resume.partial.file) rmSync(resume.partial.file);
          }
          rmSync(target, { force: true });
        }
      } else if (out.kind === 'png') {
        for await (const f of frames) {
          if (n > 0) throw new UsageError(`${path.basename(output)}: a .png output takes one frame, the input has more (write to a folder, or use --frames a)`);
          mkdirSync(path.dirname(output), { recursive: true });
          writePng(output, f);
          tick();
        }
      } else {
        mkdirSync(output, { recursive: true });
        // (resuming: the frames before resume.at stay)
        for (const f of readdirSync(output)) if (/^\d{5,}\.png$/.test(f) && Number(f.slice(0, -4)) >= resume.at) rmSync(path.join(output, f));
        for await (const f of frames) {
          writePng(path.join(output, `${String(resume.at + n).padStart(5, '0')}.png`), f);
          tick();
          if (stop.requested) break;
        }
      }
      progress.update(n, known ?? n, true);
      if (stop.requested && (known === null || n < known)) {
        return stoppedEarly(io, { output, kind: out.kind, done: resume.at + n, total: knownAll, joined: !!resume.partial, command: [mode.name, ...argv] });
      }
    } finally {
      stop.dispose();
    }
    const result: UpscaleResult = { frames: n, width: W, height: H, ms: performance.now() - t0 };
    if (!quiet && (plan.pre || plan.post)) io.err(`${size === 'enhance' ? 'enhance' : 'output size'}: ${describePlan(plan)}`);
    if (!quiet) io.err(`${path.basename(input)} → ${output}: ${n} frame${n === 1 ? '' : 's'} ${result.width}×${result.height}, ${(result.ms / 1000).toFixed(2)} s (${((n * 1000) / result.ms).toFixed(2)} fps, model ${fixed?.modelId ?? `${autoModelId} (auto)`}${ensemble > 1 ? `, self-ensemble ×${ensemble}` : ''})`);
    return 0;
  },
} satisfies Command;

/**
 * After a stop request (Ctrl-C): the video was closed properly after `done` frames and is renamed
 * as the app names a cancelled export (clip-x4-partial-12-of-40.mp4), never mistaken for the whole
 * clip (a resumed run has already joined its part to that name); the PNG frames written stay. Says
 * how to do the rest. Exit 130, as for an interrupted run.
 */
function stoppedEarly(io: CliIo, o: { output: string; kind: OutputKind['kind']; done: number; total: number | null; joined: boolean; command: string[] }): number {
  const of = o.total !== null ? ` of ${o.total}` : '';
  if (o.kind === 'video') {
    const partial = path.join(path.dirname(o.output), partialFileName(path.basename(o.output), o.done, o.total ?? o.done));
    if (!o.joined) renameSync(o.output, partial);
    io.err(`stopped: ${o.done}${of} frames written to ${partial} (playable).`);
  } else {
    io.err(`stopped: ${o.done}${of} frames written to ${o.output}.`);
  }
  const again = o.command.includes('--resume') ? o.command : [...o.command, '--resume'];
  io.err(`To do the rest, run the same command with --resume:\n  vqdsr ${again.join(' ')}`);
  return 130;
}

/** Where a --resume run starts: frames already written, and the partial video they are in. */
function findResumePoint(out: OutputKind, output: string): { at: number; partial: PartialVideo | null } {
  if (out.kind === 'video') {
    const partial = findPartialVideo(output);
    return { at: partial?.done ?? 0, partial };
  }
  if (out.kind === 'folder') return { at: framesAlreadyWritten(output), partial: null };
  throw new UsageError('--resume carries on a video or PNG-folder output, not a single .png');
}

/** The items after the first `n` (the resumed net's warm-up frames, which are already written). */
async function* dropFirst<T>(items: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  let i = 0;
  for await (const item of items) if (i++ >= n) yield item;
}

/** --model-file and its answers (--model-range, --model-state-width), checked. */
function byoModelArgs(values: Record<string, string | boolean | undefined>): { modelFile?: string; answers?: ByoAnswers } {
  const file = values['model-file'] as string | undefined;
  const range = values['model-range'] as string | undefined;
  const width = values['model-state-width'] as string | undefined;
  if (file === undefined) {
    if (range !== undefined || width !== undefined) throw new UsageError('--model-range and --model-state-width answer questions about a --model-file');
    return {};
  }
  if (values.model !== undefined) throw new UsageError('give --model (a manifest model) or --model-file (your own), not both');
  const answers: ByoAnswers = {};
  if (range !== undefined) {
    if (range !== '1' && range !== '255') throw new UsageError(`--model-range must be 1 (values 0–1) or 255 (values 0–255) (got ${JSON.stringify(range)})`);
    answers.range = range === '1' ? 1 : 255;
  }
  const C = parseIntOpt('--model-state-width', width, 1, 1024);
  if (C !== undefined) answers.stateChannels = C;
  return { modelFile: path.resolve(file), answers };
}

/** Native ffmpeg fed rgb24 frames on stdin, with backpressure; rejects with ffmpeg's message. */
async function encodeNative(bin: string, args: string[], frames: AsyncIterable<Uint8Array>): Promise<void> {
  const proc = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'], ...OWN_PROCESS_GROUP });
  let err = '';
  proc.stderr.on('data', (c: Buffer) => {
    if (err.length < 8192) err += c.toString();
  });
  proc.stdin.on('error', () => {}); // EPIPE when ffmpeg died: the exit code says why
  const done = new Promise<void>((resolve, reject) => {
    proc.on('error', (e) => reject(new FfmpegError(`could not start ${bin}: ${e.message}`)));
    proc.on('close', (code, signal) => (code === 0 ? resolve() : reject(new FfmpegError(`ffmpeg ${signal ? `killed by ${signal}` : `exited with ${code}`}: ${err.trim() || '(no message)'}`))));
  });
  done.catch(() => {});
  try {
    for await (const f of frames) {
      if (proc.exitCode !== null) break;
      if (!proc.stdin.write(f)) await new Promise<void>((r) => proc.stdin.once('drain', r).once('close', r));
    }
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  proc.stdin.end();
  await done;
}
