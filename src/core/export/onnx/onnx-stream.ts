// Streams an ONNX ModelProto to a sink with at most one weight in memory. A protobuf message is the
// concatenation of its fields, so the file is written as: the model's own fields (protobufjs), the graph field's
// tag and length, the graph's nodes / inputs / outputs / small constants (protobufjs), then every weight as one
// more `initializer` field: its TensorProto header (protobufjs) followed by its raw_data field, whose bytes are
// read only then. All lengths are known up front from the weights' dims, so nothing is buffered or patched.
import { BadRequest } from '../../errors.ts';
import type { ByteSink } from '../byte-sink.ts';
import type { LazyInitializer } from './graph-builder.ts';
import { DataType, onnx, ProtoWriter, type NodeJson, type TensorProtoJson, type ValueInfoJson } from './onnx-schema.ts';

const LENGTH_DELIMITED = 2;
const MODEL_GRAPH_FIELD = 7;
const GRAPH_INITIALIZER_FIELD = 5;
const TENSOR_RAW_DATA_FIELD = 9;
/** Protobuf messages (and so a single-file ONNX model) are limited to 2 GiB. */
export const ONNX_SINGLE_FILE_LIMIT = 2 ** 31 - 1;

export interface OnnxModelParts {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
  graphName: string;
  nodes: NodeJson[];
  inputs: ValueInfoJson[];
  outputs: ValueInfoJson[];
  constants: TensorProtoJson[];
  weights: LazyInitializer[];
}

/** Tag + length prefix of a length-delimited field. */
function prefix(field: number, length: number): Uint8Array {
  return ProtoWriter.create().uint32((field << 3) | LENGTH_DELIMITED).uint32(length).finish();
}

/** The bytes of one weight's TensorProto before its raw data, and the whole TensorProto's length. */
function weightHeader(w: LazyInitializer): { head: Uint8Array; dataBytes: number; tensorBytes: number } {
  const dataBytes = w.dims.reduce((a, b) => a * b, 1) * 4;
  const fields = onnx.TensorProto.encode({ name: w.name, dims: w.dims, dataType: DataType.FLOAT, ...(w.docString ? { docString: w.docString } : {}) }).finish();
  const raw = prefix(TENSOR_RAW_DATA_FIELD, dataBytes);
  const head = new Uint8Array(fields.byteLength + raw.byteLength);
  head.set(fields, 0);
  head.set(raw, fields.byteLength);
  return { head, dataBytes, tensorBytes: head.byteLength + dataBytes };
}

/** Writes the model; returns the file's size in bytes. */
export async function streamOnnxModel(parts: OnnxModelParts, sink: ByteSink): Promise<number> {
  const modelFields = onnx.ModelProto.encode({
    irVersion: parts.irVersion,
    producerName: parts.producerName,
    producerVersion: parts.producerVersion,
    docString: parts.docString,
    opsetImport: [{ domain: '', version: parts.opset }],
    metadataProps: Object.entries(parts.metadata).map(([key, value]) => ({ key, value })),
  }).finish();
  const graphFields = onnx.GraphProto.encode({
    name: parts.graphName, node: parts.nodes, input: parts.inputs, output: parts.outputs, initializer: parts.constants,
  }).finish();
  const headers = parts.weights.map(weightHeader);
  const graphBytes = graphFields.byteLength + headers.reduce((s, h) => s + prefix(GRAPH_INITIALIZER_FIELD, h.tensorBytes).byteLength + h.tensorBytes, 0);
  const graphPrefix = prefix(MODEL_GRAPH_FIELD, graphBytes);
  const fileBytes = modelFields.byteLength + graphPrefix.byteLength + graphBytes;
  if (fileBytes > ONNX_SINGLE_FILE_LIMIT) {
    throw new BadRequest(`the ONNX model would be ${fileBytes} bytes, over protobuf's 2 GiB limit for one file; ` +
      'ONNX external data (weights in a side file) is not implemented yet: export safetensors instead');
  }

  await sink.write(modelFields);
  await sink.write(graphPrefix);
  await sink.write(graphFields);
  for (let i = 0; i < parts.weights.length; i++) {
    const w = parts.weights[i], h = headers[i];
    await sink.write(prefix(GRAPH_INITIALIZER_FIELD, h.tensorBytes));
    await sink.write(h.head);
    const values = await w.read();
    if (values.byteLength !== h.dataBytes) {
      throw new BadRequest(`weight ${w.name} has ${values.length} values, its dims [${w.dims}] need ${h.dataBytes / 4}`);
    }
    await sink.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)); // little-endian f32
  }
  return fileBytes;
}

/** The model's metadata_props, read without decoding the graph (a multi-megabyte field that is skipped). */
export function readOnnxMetadata(file: Uint8Array): Record<string, string> {
  const reader = onnx.readerFor(file);
  const out: Record<string, string> = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 14 && (tag & 7) === LENGTH_DELIMITED) {
      const entry = onnx.StringStringEntryProto.decode(reader, reader.uint32()) as unknown as { key: string; value: string };
      out[entry.key] = entry.value;
    } else {
      reader.skipType(tag & 7);
    }
  }
  return out;
}
