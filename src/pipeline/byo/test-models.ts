/**
 * Small models the tests bring as "your own" (gpu/onnx-builder.ts, no Python, no download): good
 * ones of each kind the app must infer, and bad ones it must refuse. Used by the unit tests
 * (onnxruntime-node), the GPU test and the e2e suite (which writes them to files and adds them
 * through the app's file input).
 */
import { buildOnnxModel, type OnnxModelSpec, type OnnxValueInfo } from '../../gpu/onnx-builder';

const img = (name: string, h: number | string = 'H', w: number | string = 'W'): OnnxValueInfo => ({ name, type: 'float', dims: [1, 3, h, w] });
const scales = (s: number) => ({ name: 'scales', type: 'float' as const, dims: [4], data: [1, 1, s, s] });

/**
 * ×2, values 0–1, any size: nearest neighbour by DepthToSpace (the input repeated 4× along
 * channels, DCR order), clipped to [0, 1] — read as 0–255 it gives a blank frame.
 */
export function x2Nearest(): Uint8Array {
  return buildOnnxModel({
    name: 'x2-nearest',
    inputs: [img('input')],
    outputs: [img('output', 'H2', 'W2')],
    initializers: [
      { name: 'lo', type: 'float', dims: [], data: [0] },
      { name: 'hi', type: 'float', dims: [], data: [1] },
    ],
    nodes: [
      { op: 'Concat', inputs: ['input', 'input', 'input', 'input'], outputs: ['c4'], attrs: { axis: 1 } },
      { op: 'DepthToSpace', inputs: ['c4'], outputs: ['up'], attrs: { blocksize: 2, mode: 'DCR' } },
      { op: 'Clip', inputs: ['up', 'lo', 'hi'], outputs: ['output'] },
    ],
  });
}

/** ×4, values 0–255, any size: bicubic Resize plus a lift of 2 levels (a bias only right on 0–255). */
export function x4Cubic255(): Uint8Array {
  return buildOnnxModel({
    name: 'x4-cubic-255',
    inputs: [img('lr')],
    outputs: [img('hr', 'H4', 'W4')],
    initializers: [scales(4), { name: 'lift', type: 'float', dims: [], data: [2] }],
    nodes: [
      { op: 'Resize', inputs: ['lr', '', 'scales'], outputs: ['up'], attrs: { mode: 'cubic' } },
      { op: 'Add', inputs: ['up', 'lift'], outputs: ['hr'] },
    ],
  });
}

/** ×3, values 0–1, a fixed 24×24 input (72×72 out): bilinear Resize clipped to [0, 1]. */
export function x3Fixed24(): Uint8Array {
  return buildOnnxModel({
    name: 'x3-fixed',
    inputs: [img('x', 24, 24)],
    outputs: [img('y', 72, 72)],
    initializers: [scales(3), { name: 'lo', type: 'float', dims: [], data: [0] }, { name: 'hi', type: 'float', dims: [], data: [1] }],
    nodes: [
      { op: 'Resize', inputs: ['x', '', 'scales'], outputs: ['up'], attrs: { mode: 'linear' } },
      { op: 'Clip', inputs: ['up', 'lo', 'hi'], outputs: ['y'] },
    ],
  });
}

/** ×2 that washes the picture out (0.3·x + 0.35): neither value range gives the frame back, so the app asks. */
export function x2Washed(): Uint8Array {
  return buildOnnxModel({
    name: 'x2-washed',
    inputs: [img('input')],
    outputs: [img('output', 'H2', 'W2')],
    initializers: [scales(2), { name: 'gain', type: 'float', dims: [], data: [0.3] }, { name: 'lift', type: 'float', dims: [], data: [0.35] }],
    nodes: [
      { op: 'Resize', inputs: ['input', '', 'scales'], outputs: ['up'], attrs: { mode: 'nearest' } },
      { op: 'Mul', inputs: ['up', 'gain'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'lift'], outputs: ['output'] },
    ],
  });
}

/**
 * Our recurrent step contract at ×2 with a state that matters: out = clip(nearest ×2 of
 * (cur + 0.1 · the channel mean of state)), state_out = (state + the channel mean of cur) / 2.
 * Its channel count is fixed in the file, or symbolic ('C') so the app must ask for it.
 */
export function recurrentX2(stateChannels: number | 'C' = 4): Uint8Array {
  const C = stateChannels;
  const spec: OnnxModelSpec = {
    name: 'recurrent-x2',
    inputs: [img('prev'), img('cur'), img('next'), { name: 'state', type: 'float', dims: [1, C, 'H', 'W'] }],
    outputs: [img('out', 'H2', 'W2'), { name: 'state_out', type: 'float', dims: [1, C, 'H', 'W'] }],
    initializers: [
      scales(2),
      { name: 'lo', type: 'float', dims: [], data: [0] },
      { name: 'hi', type: 'float', dims: [], data: [1] },
      { name: 'half', type: 'float', dims: [], data: [0.5] },
      { name: 'tenth', type: 'float', dims: [], data: [0.1] },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['state'], outputs: ['sm'], attrs: { axes: [1], keepdims: 1 } },
      { op: 'Mul', inputs: ['sm', 'tenth'], outputs: ['sm10'] },
      { op: 'Add', inputs: ['cur', 'sm10'], outputs: ['lit'] },
      { op: 'Resize', inputs: ['lit', '', 'scales'], outputs: ['up'], attrs: { mode: 'nearest' } },
      { op: 'Clip', inputs: ['up', 'lo', 'hi'], outputs: ['out'] },
      { op: 'ReduceMean', inputs: ['cur'], outputs: ['m'], attrs: { axes: [1], keepdims: 1 } },
      { op: 'Add', inputs: ['state', 'm'], outputs: ['s2'] },
      { op: 'Mul', inputs: ['s2', 'half'], outputs: ['state_out'] },
    ],
  };
  return buildOnnxModel(spec);
}

// ---- models the app must refuse ----

/** A [3, H, W] input (no batch dimension). */
export function rank3Input(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'x', type: 'float', dims: [3, 'H', 'W'] }],
    outputs: [{ name: 'y', type: 'float', dims: [3, 'H', 'W'] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/** An operator onnxruntime does not have (NoSuchUpsample in the standard domain): the session cannot be made. */
export function unsupportedOp(): Uint8Array {
  return buildOnnxModel({ inputs: [img('x')], outputs: [img('y', 'H2', 'W2')], nodes: [{ op: 'NoSuchUpsample', inputs: ['x'], outputs: ['y'] }] });
}

/** A custom-domain operator (a plug-in of some other runtime): refused before any session. */
export function customDomainOp(): Uint8Array {
  return buildOnnxModel({
    inputs: [img('x')],
    outputs: [img('y', 'H2', 'W2')],
    nodes: [{ op: 'PixelShuffleFast', domain: 'com.example.sr', inputs: ['x'], outputs: ['y'] }],
    extraOpsets: [{ domain: 'com.example.sr', version: 1 }],
  });
}

/** Channels last [1, H, W, 3]. */
export function nhwcInput(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'x', type: 'float', dims: [1, 'H', 'W', 3] }],
    outputs: [{ name: 'y', type: 'float', dims: [1, 'H', 'W', 3] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/** float16 input and output. */
export function float16Input(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'x', type: 'float16', dims: [1, 3, 'H', 'W'] }],
    outputs: [{ name: 'y', type: 'float16', dims: [1, 3, 'H', 'W'] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/** ×5 (nearest Resize): not a scale the app runs. */
export function x5Nearest(): Uint8Array {
  return buildOnnxModel({
    inputs: [img('x')],
    outputs: [img('y', 'H5', 'W5')],
    initializers: [scales(5)],
    nodes: [{ op: 'Resize', inputs: ['x', '', 'scales'], outputs: ['y'], attrs: { mode: 'nearest' } }],
  });
}

/** Two image inputs that are not our step contract. */
export function twoInputs(): Uint8Array {
  return buildOnnxModel({
    inputs: [img('a'), img('b')],
    outputs: [img('y')],
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
  });
}

/** A good model cut short (an interrupted download): the first 60 % of x4Cubic255's bytes. */
export function truncated(): Uint8Array {
  const full = x4Cubic255();
  return full.slice(0, Math.floor(full.length * 0.6));
}

/** Every test model by the file name the e2e suite gives it. */
export const TEST_MODEL_FILES: Record<string, () => Uint8Array> = {
  'x2-nearest.onnx': x2Nearest,
  'x4-cubic-255.onnx': x4Cubic255,
  'x3-fixed24.onnx': x3Fixed24,
  'x2-washed.onnx': x2Washed,
  'recurrent-x2.onnx': () => recurrentX2(4),
  'recurrent-x2-anyc.onnx': () => recurrentX2('C'),
  'rank3.onnx': rank3Input,
  'unsupported-op.onnx': unsupportedOp,
  'custom-op.onnx': customDomainOp,
  'nhwc.onnx': nhwcInput,
  'float16.onnx': float16Input,
  'x5.onnx': x5Nearest,
  'two-inputs.onnx': twoInputs,
  'truncated.onnx': truncated,
};
