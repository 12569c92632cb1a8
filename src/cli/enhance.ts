/**
 * `vqdsr enhance`: restore a clip at its own resolution — the paper's HR-SR enhancement (issue
 * 14.3): each frame shrunk ×1/4 with Lanczos-3 (antialiased), the recurrent VSR net's ×4 back up,
 * resampled to exactly the input size where its sides are not multiples of 4
 * (src/pipeline/vsr/output-size.ts). The upscale command's runner with the size fixed, so inputs,
 * outputs, tiles, audio and the progress line are the same.
 */
import { QUALITY, X264_PRESETS } from '../media/export-args.ts';
import { VSR_DEFAULT_OVERLAP, VSR_DEFAULT_TILE } from '../pipeline/vsr/vsr-common.ts';
import type { Command } from './main.ts';
import { upscaleCommand } from './upscale.ts';
import { STOP_RESUME_AND_EXIT_HELP } from './resume.ts';

export const ENHANCE_USAGE = `Usage:
  vqdsr enhance <input> <output> [options]

Restores a clip (or an image) at its own size: every frame is shrunk ×1/4 (Lanczos-3,
antialiased), upscaled ×4 by a recurrent VSR net of the model folder's manifest (by default
public/models, model 'vsr') and resampled to exactly the input size. The paper uses this
"HR-SR enhancement" to clean its HR training targets. It removes what the shrink removes
(compression blocks, noise, ringing) and redraws what the net can: on clean or lightly
compressed clips it costs detail — measured in README.md (Output size and enhance at 1×).

<input>   a video file ffmpeg reads, a folder of PNG frames (natural name order), or an image.
<output>  *.mp4  H.264 (native ffmpeg), audio from the input kept (odd sides floored to even)
          *.webm VP9 (native ffmpeg), audio kept
          *.png  one image (the input must be a single frame)
          other  a folder of PNG frames 00000.png, 00001.png, … (existing ones are replaced)

Options:
  --model <id>      VSR model in the manifest (default vsr; vsr-restore was trained on the paper's
                    degradation pipeline, vsr-fast is a lighter general net).
  --model-file <f>  your own .onnx upscaler, as for \`vqdsr upscale\` (a ×s model: the frames are
                    shrunk ×1/s instead).
  --tile <n>        largest tile side of the ×1/4 frames in pixels (multiple of 4; default ${VSR_DEFAULT_TILE}).
  --overlap <n>     pixels neighbouring tiles share (default ${VSR_DEFAULT_OVERLAP}).
  --ensemble <n>    self-ensemble of 1 (default), 2, 4 or 8 passes, as for \`vqdsr upscale\`.
  --frames <a:b>    only frames a … b−1 (0-based); also a: and :b.
  --resume          carry on a run stopped by Ctrl-C (see below) instead of starting over.
  --deinterlace <m> auto (default): video whose stream says it is interlaced (DVD, broadcast) is
                    deinterlaced (ffmpeg's bwdif, one frame per frame) before restoring, as the app
                    does; off: frames as stored, comb teeth and all.
  --crf <n>         video quality (mp4: x264 CRF 0–51, default ${QUALITY.mp4.default}; webm: VP9 CRF 0–63,
                    default ${QUALITY['webm-vp9'].default}).
  --preset <name>   x264 preset (${X264_PRESETS.join(', ')}; default medium).
  --fps <n>         frame rate for PNG-folder input (default: the video's, else 25).
  --models <dir>    model folder with manifest.json (default: public/models).
  --threads <n>     ORT CPU threads (default: all cores).
  --quiet           no progress bar.

${STOP_RESUME_AND_EXIT_HELP}`;

export const enhanceCommand: Command = {
  name: 'enhance',
  summary: 'restore a clip or image at its own size (×1/4, the VSR net ×4 back: the paper’s HR-SR enhancement)',
  usage: ENHANCE_USAGE,
  run: (argv, io) => upscaleCommand.run(argv, io, { name: 'enhance', usage: ENHANCE_USAGE }),
};
