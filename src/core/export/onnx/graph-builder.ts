// A small ONNX graph builder: nodes with generated output names, small constants kept in memory, and large
// float32 weights as lazy initializers (read one at a time while the file is streamed, never all at once).
import {
  AttributeType, DataType, type AttributeJson, type DimJson, type NodeJson, type TensorProtoJson, type ValueInfoJson,
} from './onnx-schema.ts';

/** A float32 initializer whose values are produced when the writer reaches it. */
export interface LazyInitializer {
  name: string;
  dims: number[];
  docString?: string;
  /** Row-major values of `dims`. */
  read(): Promise<Float32Array>;
}

export const attr = {
  int: (name: string, i: number): AttributeJson => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: number[]): AttributeJson => ({ name, type: AttributeType.INTS, ints }),
  float: (name: string, f: number): AttributeJson => ({ name, type: AttributeType.FLOAT, f }),
};

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function tensorValueInfo(name: string, elemType: number, dims: Array<number | string>): ValueInfoJson {
  const dim: DimJson[] = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export class GraphBuilder {
  readonly nodes: NodeJson[] = [];
  readonly constants: TensorProtoJson[] = [];
  readonly weights: LazyInitializer[] = [];
  private readonly names = new Set<string>();
  private count = 0;

  private fresh(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.count}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node with one output (named after `hint`); returns the output's name. */
  op(opType: string, inputs: string[], attributes: AttributeJson[] = [], hint = opType): string {
    return this.opN(opType, inputs, 1, attributes, hint)[0];
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attributes: AttributeJson[] = [], hint = opType): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}_out${i}`));
    this.nodes.push({ name: this.fresh(`${hint}_node`), opType, input: inputs, output: out, ...(attributes.length ? { attribute: attributes } : {}) });
    return out;
  }

  /** A small int64 constant initializer (shapes, axes, indices). */
  int64(hint: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.constants.push({ name, dims, dataType: DataType.INT64, rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) });
    return name;
  }

  /** A small float32 constant initializer (scalars, RoPE tables). */
  float32(hint: string, values: Float32Array | number[], dims: number[]): string {
    const name = this.fresh(hint);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.constants.push({ name, dims, dataType: DataType.FLOAT, rawData: bytesOf(data) });
    return name;
  }

  /** A large float32 weight written lazily. */
  weight(name: string, dims: number[], read: () => Promise<Float32Array>, docString?: string): string {
    const unique = this.fresh(name);
    this.weights.push({ name: unique, dims, read, ...(docString ? { docString } : {}) });
    return unique;
  }
}
