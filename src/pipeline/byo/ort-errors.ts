/**
 * onnxruntime's errors about a model, in plain words: a user who brings a model needs to know
 * which operator, input or version is the problem, not ORT's C++ stack of "[ONNXRuntimeError] : 10 :
 * INVALID_GRAPH : Load model from … failed: This is an invalid model. In Node, ("…", …) : …". The
 * original's first line is kept at the end for whoever needs the detail. Both runtimes (Node,
 * web) word their errors the same: they share the C++ core.
 */

function firstLine(msg: string): string {
  const line = msg.split('\n').find((l) => l.trim()) ?? msg;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line.trim();
}

/**
 * Why onnxruntime could not load or run the model, for the user. `backend` names where it ran
 * ("the CPU (wasm)", "WebGPU", "onnxruntime-node").
 */
export function ortErrorInWords(e: unknown, backend: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  let m: RegExpExecArray | null;
  if ((m = /No Op registered for (\S+) with domain_version of (\d+)/.exec(msg))) {
    return `it uses the operator ${m[1]}, which onnxruntime does not have at opset ${m[2]} (not a standard ONNX operator, or one newer than this runtime)`;
  }
  if ((m = /Could not find an implementation for (\S+?)\((\d+)\) node with name '([^']*)'/.exec(msg))) {
    return `its ${m[1]} operator (opset ${m[2]}${m[3] ? `, node '${m[3]}'` : ''}) has no implementation on ${backend} for the data types it uses`;
  }
  if (/protobuf parsing failed|Failed to load model|Unable to parse/i.test(msg) && !/Unsupported model IR version/.test(msg)) {
    return 'onnxruntime cannot parse it: the file is cut short or is not an ONNX model';
  }
  if ((m = /Unsupported model IR version: (\d+), max supported IR version: (\d+)/.exec(msg))) {
    return `it was saved as ONNX IR version ${m[1]}; this runtime reads up to ${m[2]} (save it with an older onnx package)`;
  }
  if ((m = /(?:ONNX Runtime only \*guarantees\* support for models stamped with official released onnx opset versions|opset (\d+) is under development)/.exec(msg))) {
    return `it uses an ONNX opset newer than this runtime supports${m[1] ? ` (${m[1]})` : ''}: export it with an older opset (e.g. 17)`;
  }
  if ((m = /Invalid rank for input: (\S+) Got: (\d+) Expected: (\d+)/.exec(msg))) {
    return `its input '${m[1]}' takes rank ${m[3]}, the app fed rank ${m[2]}`;
  }
  if ((m = /Got invalid dimensions for input: (\S+) for the following indices\s+index: (\d+) Got: (\d+) Expected: (\d+)/.exec(msg))) {
    return `its input '${m[1]}' needs ${m[4]} in dimension ${m[2]} (the app fed ${m[3]})`;
  }
  if ((m = /Unexpected input data type\. Actual: \((.+?)\) , expected: \((.+?)\)/.exec(msg))) {
    return `it takes ${m[2]} input, the app feeds ${m[1]}`;
  }
  if (/ShapeInferenceError|shape inference/i.test(msg)) return `its tensor shapes do not fit together (ONNX shape inference failed): ${firstLine(msg)}`;
  if (/out of memory|memory access out of bounds|Aborted\(\)|RangeError: Array buffer allocation failed/i.test(msg)) {
    return `${backend} ran out of memory with it`;
  }
  return `onnxruntime on ${backend} failed: ${firstLine(msg)}`;
}
