/**
 * The wire-level ONNX reader (onnx-wire.ts): fields of a model onnx-builder wrote, a node's
 * attributes with repeated ints packed and unpacked, float initializers from raw_data and from
 * float_data (packed and one field per value), data kept outside the file, a value_info written
 * back, and bytes that are not protobuf.
 */
import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from './onnx-builder.ts';
import { WireError, WireOut, floatValueInfo, readWireNode, readWireTensor, subFields, tensorName, valueInfoName, wireFields, wireSlice } from './onnx-wire.ts';

const f32bytes = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

function graphOf(model: Uint8Array) {
  const top = wireFields(model, 0, model.length);
  return subFields(model, top.find((f) => f.no === 7)!);
}

describe('onnx-wire', () => {
  const model = buildOnnxModel({
    inputs: [{ name: 'x', type: 'float', dims: [1, 2, 'h', 'w'] }],
    outputs: [{ name: 'y', type: 'float', dims: [1, 3, 'h', 'w'] }],
    initializers: [{ name: 'W', type: 'float', dims: [3, 2, 1, 1], data: Float32Array.from([1, -2, 0.5, 3e-8, -0, 7]) }],
    nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: [1, 1], group: 1, auto_pad: 'NOTSET' } }],
  });

  it("reads a builder's model: node with attributes, initializer from raw_data, inputs and outputs", () => {
    const g = graphOf(model);
    const node = readWireNode(model, g.find((f) => f.no === 1)!);
    expect([node.op, node.domain, node.inputs, node.outputs]).toEqual(['Conv', '', ['x', 'W'], ['y']]);
    expect(node.attrs.get('kernel_shape')).toEqual({ ints: [1, 1] });
    expect(node.attrs.get('group')).toEqual({ i: 1 });
    expect(node.attrs.get('auto_pad')).toEqual({ s: 'NOTSET' });
    const init = g.find((f) => f.no === 5)!;
    expect(tensorName(model, init)).toBe('W');
    const t = readWireTensor(model, init);
    expect([t.name, t.dims, t.elemType]).toEqual(['W', [3, 2, 1, 1], 1]);
    expect(Array.from(t.floats!)).toEqual(Array.from(Float32Array.from([1, -2, 0.5, 3e-8, -0, 7])));
    expect(Object.is(t.floats![4], -0)).toBe(true);
    expect(g.filter((f) => f.no === 11).map((f) => valueInfoName(model, f))).toEqual(['x']);
    expect(g.filter((f) => f.no === 12).map((f) => valueInfoName(model, f))).toEqual(['y']);
    // Fields span the whole message: re-emitting them verbatim gives the same bytes.
    const top = wireFields(model, 0, model.length);
    const again = new WireOut();
    for (const f of top) again.raw(wireSlice(model, f));
    expect(Buffer.from(again.finish()).equals(Buffer.from(model))).toBe(true);
  });

  it('reads packed ints, float_data (packed and not), and no floats for external or non-float data', () => {
    const packedInts = new WireOut().varint(1).varint(300).varint(0).finish();
    const attr = new WireOut().string(1, 'pads').bytes(8, packedInts).int(20, 7).finish();
    const nodeBytes = new WireOut().bytes(5, attr).string(4, 'Conv').finish();
    const node = readWireNode(nodeBytes, { no: 1, wire: 2, start: 0, end: nodeBytes.length, body: [0, nodeBytes.length], int: 0 });
    expect(node.attrs.get('pads')).toEqual({ ints: [1, 300, 0] });

    const tensor = (build: (o: WireOut) => void) => {
      const o = new WireOut().int(1, 2).int(2, 1).string(8, 't');
      build(o);
      const b = o.finish();
      return readWireTensor(b, { no: 5, wire: 2, start: 0, end: b.length, body: [0, b.length], int: 0 });
    };
    expect(Array.from(tensor((o) => o.bytes(4, f32bytes([1.5, -3]))).floats!)).toEqual([1.5, -3]);
    const oneByOne = tensor((o) => {
      for (const v of [2.25, 4]) o.varint(4 * 8 + 5).raw(f32bytes([v]));
    });
    expect(Array.from(oneByOne.floats!)).toEqual([2.25, 4]);
    expect(tensor((o) => o.bytes(9, f32bytes([1, 2])).int(14, 1)).floats).toBeNull();
    expect(() => tensor((o) => o.bytes(9, f32bytes([1])))).toThrow(WireError);
  });

  it('writes a value_info the reader reads back, and throws WireError on bytes that are not protobuf', () => {
    const vi = floatValueInfo('z', [1, 64, 'h0', 'w0']);
    expect(valueInfoName(vi, { no: 11, wire: 2, start: 0, end: vi.length, body: [0, vi.length], int: 0 })).toBe('z');
    expect(() => wireFields(Uint8Array.from([0x0a, 0x05, 1]), 0, 3)).toThrow(WireError);
    expect(() => wireFields(Uint8Array.from([0x0b]), 0, 1)).toThrow(/unsupported wire type 3/);
    expect(() => wireFields(Uint8Array.from([0x08, 0x80]), 0, 2)).toThrow(/truncated varint/);
  });
});
