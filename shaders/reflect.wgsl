// reflect.wgsl — the mirrored border index shared by the kernels that read outside the frame.
//
// NOT a standalone module: WGSL has no imports, so a kernel that needs it is compiled from the
// concatenation `reflect.wgsl + '\n' + <kernel>.wgsl` (blur-gpu.ts, anchor-gpu.ts). Functions only.
//
// Mirror of src/pipeline/blur/blur-cpu.ts reflectIndex: index i into [0, n) as
// …2 1 | 0 1 2 … n−1 | n−2 n−3 … (PyTorch's 'reflect': the edge sample is not repeated),
// periodic with period 2n − 2 so that any i is defined, even for images smaller than the radius.

fn reflect_index(i: i32, n: i32) -> i32 {
  if (n == 1) { return 0; }
  let period = 2 * n - 2;
  var m = abs(i) % period;
  if (m >= n) { m = period - m; }
  return m;
}
