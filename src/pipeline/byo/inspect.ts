/**
 * What can be told of a model the user brings from its file alone, before any session is made:
 * its size against the limit, whether it is a whole ONNX model, which contract it follows (one
 * frame in and out, or our recurrent step), and whether its inputs and outputs are images the app
 * can feed (float32, rank 4, NCHW, 3 channels, batch 1). Anything else is refused here with a
 * message that says what is wrong and, where there is one, what to do about it.
 *
 * Pure TS (Node and browser): the CLI, the engine worker and the tests share it.
 */
import { ELEM_FLOAT32, ELEM_TYPE_NAMES, OnnxReadError, formatDims, readOnnx, type OnnxSummary, type OnnxTensorInfo } from './onnx-proto';
import { VSR_INPUTS, VSR_OUTPUTS } from '../vsr/vsr-common';

/**
 * Largest model file a user may bring: 200 MiB. Our own shipped files keep to 25 MB (a download
 * for every visitor); a user's file is read from their own disk, so the bound is what one browser
 * tab can hold: the bytes, ORT's copy of the weights and the activations of a tile fit well in
 * wasm's 4 GiB, and every public SR model we know of fits (Real-ESRGAN x4plus 67 MB, SwinIR-L ~60 MB,
 * realesr-animevideov3 2.4 MB).
 */
export const BYO_MAX_BYTES = 200 * 2 ** 20;

/** Operator domains onnxruntime-web runs: the standard set and onnxruntime's own contrib ops. */
const KNOWN_DOMAINS = new Set(['', 'com.microsoft', 'ai.onnx.ml']);

/** The model cannot be run by this app; the message is for the user as it is. */
export class ByoRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ByoRefusal';
  }
}

export interface StaticInspection {
  fileName: string;
  bytes: number;
  summary: OnnxSummary;
  /** One frame in, one out; or our step contract (prev, cur, next, state → out, state_out). */
  frames: 'single' | 'recurrent';
  /** The current frame's feed and the image output. */
  input: OnnxTensorInfo;
  output: OnnxTensorInfo;
  /** Our contract: the state's channel count when the file fixes it. */
  stateChannels: number | null;
  /** Fixed input height and width when the file gives them as numbers. */
  fixedSize: { width: number; height: number } | null;
  /** Output ÷ input side when both shapes are fixed. */
  staticScale: number | null;
  /** Said beside the inferred properties (e.g. which output is used). */
  notes: string[];
}

/** Why a file of `bytes` bytes is over the limit, or null. */
export function byoSizeProblem(bytes: number, fileName = 'the model'): string | null {
  if (bytes <= BYO_MAX_BYTES) return null;
  return `${fileName} is ${mib(bytes)}, over the ${mib(BYO_MAX_BYTES)} limit for your own models (what one browser tab can hold with room to run it)`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MB`;
}

const isNum = (d: number | string | null | undefined): d is number => typeof d === 'number' && d > 0;

/** Refuses a tensor that is not a float32 NCHW RGB image of batch 1; `role` names it in messages. */
function checkImage(t: OnnxTensorInfo, role: 'input' | 'output', fileName: string): void {
  const what = `${fileName}'s ${role} '${t.name}'`;
  if (t.notTensor) throw new ByoRefusal(`${what} is not a tensor (a sequence or a map): the app feeds and reads images`);
  if (t.elemType !== 0 && t.elemType !== ELEM_FLOAT32) {
    const type = ELEM_TYPE_NAMES[t.elemType] ?? `type ${t.elemType}`;
    const hint = t.elemType === 10 ? ' (convert with float32 inputs and outputs, e.g. keep_io_types=True)' : '';
    throw new ByoRefusal(`${what} is ${type}: the app ${role === 'input' ? 'feeds' : 'reads'} float32${hint}`);
  }
  const d = t.dims;
  if (d === null) return; // no shape in the file: the probe run tells
  if (d.length !== 4) {
    throw new ByoRefusal(`${what} has rank ${d.length} ${formatDims(d)}: the app ${role === 'input' ? 'feeds' : 'reads'} images as rank 4 [1, 3, H, W] (NCHW)`);
  }
  if (d[3] === 3 && d[1] !== 3) throw new ByoRefusal(`${what} is channels-last ${formatDims(d)} (NHWC): the app runs NCHW models [1, 3, H, W]; export it channels-first`);
  if (isNum(d[1]) && d[1] !== 3) throw new ByoRefusal(`${what} has ${d[1]} channel${d[1] === 1 ? '' : 's'} ${formatDims(d)}: the app ${role === 'input' ? 'feeds' : 'reads'} RGB images (3 channels)`);
  if (isNum(d[0]) && d[0] !== 1) throw new ByoRefusal(`${what} has a fixed batch of ${d[0]} ${formatDims(d)}: the app runs one tile at a time (batch 1)`);
}

/**
 * Read and check a model file; ByoRefusal when the app cannot run it. Nothing here runs the model:
 * the scale (when the shapes are not fixed), the tile multiple and the value range come from the
 * probe (probe.ts).
 */
export function inspectOnnx(bytes: Uint8Array, fileName: string): StaticInspection {
  const tooBig = byoSizeProblem(bytes.byteLength, fileName);
  if (tooBig) throw new ByoRefusal(tooBig);
  let summary: OnnxSummary;
  try {
    summary = readOnnx(bytes);
  } catch (e) {
    if (e instanceof OnnxReadError) {
      const cut = /ends in the middle/.test(e.message);
      throw new ByoRefusal(cut ? `${fileName} is not a complete ONNX model: ${e.message} (is the file truncated? download it again)` : `${fileName} is not an ONNX model: ${e.message}`);
    }
    throw e;
  }
  if (summary.externalData) {
    throw new ByoRefusal(`${fileName} keeps its weights in separate files (ONNX external data): save it as one file, e.g. onnx.save(model, path, save_as_external_data=False)`);
  }
  const custom = summary.ops.filter((o) => !KNOWN_DOMAINS.has(o.domain));
  if (custom.length) {
    const list = custom.map((o) => `${o.op} (${o.domain})`).join(', ');
    throw new ByoRefusal(`${fileName} uses custom operators ${list}: onnxruntime-web runs only standard ONNX operators and onnxruntime's own (com.microsoft)`);
  }
  if (summary.nodeCount === 0) throw new ByoRefusal(`${fileName} has an empty graph (no operators)`);

  const { inputs, outputs } = summary;
  const names = (ts: OnnxTensorInfo[]) => ts.map((t) => t.name).join(', ');
  const notes: string[] = [];
  const recurrent = VSR_INPUTS.every((n) => inputs.some((i) => i.name === n)) && VSR_OUTPUTS.every((n) => outputs.some((o) => o.name === n));
  if (inputs.length === 0) throw new ByoRefusal(`${fileName} has no inputs to feed a frame to`);
  if (outputs.length === 0) throw new ByoRefusal(`${fileName} has no outputs`);
  if (!recurrent && inputs.length > 1) {
    throw new ByoRefusal(
      `${fileName} has ${inputs.length} inputs (${names(inputs)}): a single-frame model takes one image; a recurrent one must follow this app's step contract ` +
        `(inputs ${VSR_INPUTS.join(', ')} → outputs ${VSR_OUTPUTS.join(', ')})`,
    );
  }

  let input: OnnxTensorInfo;
  let output: OnnxTensorInfo;
  let stateChannels: number | null = null;
  if (recurrent) {
    const by = (ts: OnnxTensorInfo[], n: string) => ts.find((t) => t.name === n)!;
    input = by(inputs, 'cur');
    output = by(outputs, 'out');
    for (const n of ['prev', 'next'] as const) checkImage(by(inputs, n), 'input', fileName);
    const state = by(inputs, 'state');
    const stateOut = by(outputs, 'state_out');
    for (const s of [state, stateOut]) {
      if (s.elemType !== 0 && s.elemType !== ELEM_FLOAT32) throw new ByoRefusal(`${fileName}'s '${s.name}' is ${ELEM_TYPE_NAMES[s.elemType] ?? s.elemType}: the recurrent state must be float32`);
      if (s.dims && s.dims.length !== 4) throw new ByoRefusal(`${fileName}'s '${s.name}' has rank ${s.dims.length} ${formatDims(s.dims)}: the recurrent state is [1, C, h, w]`);
    }
    const c = [state.dims?.[1], stateOut.dims?.[1]].find(isNum);
    if (c !== undefined) stateChannels = c;
  } else {
    input = inputs[0];
    output = outputs[0];
    if (outputs.length > 1) notes.push(`it has ${outputs.length} outputs; the first, '${output.name}', is the image`);
  }
  checkImage(input, 'input', fileName);
  checkImage(output, 'output', fileName);

  let fixedSize: StaticInspection['fixedSize'] = null;
  const [h, w] = [input.dims?.[2], input.dims?.[3]];
  if (isNum(h) && isNum(w)) {
    if (h !== w) throw new ByoRefusal(`${fileName} takes a fixed ${w}×${h} input: the app tiles frames into squares, so a fixed input must be square (or export it with dynamic H and W)`);
    if (h < 8) throw new ByoRefusal(`${fileName} takes a fixed ${w}×${h} input: too small to tile a frame with`);
    fixedSize = { width: w, height: h };
  } else if (isNum(h) || isNum(w)) {
    throw new ByoRefusal(`${fileName} fixes one side of its input only ${formatDims(input.dims)}: export it with both H and W dynamic, or both fixed`);
  }
  let staticScale: number | null = null;
  const [oh, ow] = [output.dims?.[2], output.dims?.[3]];
  if (fixedSize && isNum(oh) && isNum(ow)) {
    const sy = oh / fixedSize.height;
    const sx = ow / fixedSize.width;
    if (sx !== sy || !Number.isInteger(sx) || sx < 1 || sx > 4) {
      throw new ByoRefusal(`${fileName} turns ${fixedSize.width}×${fixedSize.height} into ${ow}×${oh}: the app runs ×1, ×2, ×3 and ×4 models (the same whole number on both sides)`);
    }
    staticScale = sx;
  }
  return { fileName, bytes: bytes.byteLength, summary, frames: recurrent ? 'recurrent' : 'single', input, output, stateChannels, fixedSize, staticScale, notes };
}
