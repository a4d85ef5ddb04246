// The part of the ONNX protobuf schema (onnx/onnx.proto, proto2) the exporter writes, as a protobufjs reflection
// root: field numbers and types follow the ONNX IR spec. Only messages and fields Prunelab emits are declared;
// protobufjs encodes them, the stream writer (onnx-stream.ts) adds the initializers' raw bytes around it.
import protobuf from 'protobufjs/light.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, TENSOR: 4, INTS: 7 } as const;

/** ONNX IR version 8 goes with opset 17 (the default domain's ops used: all present since opset 13). */
export const IR_VERSION = 8;
export const OPSET = 17;

const unpacked = { packed: false };

const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: 'int64' },
            producerName: { id: 2, type: 'string' },
            producerVersion: { id: 3, type: 'string' },
            domain: { id: 4, type: 'string' },
            modelVersion: { id: 5, type: 'int64' },
            docString: { id: 6, type: 'string' },
            graph: { id: 7, type: 'GraphProto' },
            opsetImport: { id: 8, rule: 'repeated', type: 'OperatorSetIdProto' },
            metadataProps: { id: 14, rule: 'repeated', type: 'StringStringEntryProto' },
          },
        },
        OperatorSetIdProto: { fields: { domain: { id: 1, type: 'string' }, version: { id: 2, type: 'int64' } } },
        StringStringEntryProto: { fields: { key: { id: 1, type: 'string' }, value: { id: 2, type: 'string' } } },
        GraphProto: {
          fields: {
            node: { id: 1, rule: 'repeated', type: 'NodeProto' },
            name: { id: 2, type: 'string' },
            initializer: { id: 5, rule: 'repeated', type: 'TensorProto' },
            docString: { id: 10, type: 'string' },
            input: { id: 11, rule: 'repeated', type: 'ValueInfoProto' },
            output: { id: 12, rule: 'repeated', type: 'ValueInfoProto' },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, rule: 'repeated', type: 'string' },
            output: { id: 2, rule: 'repeated', type: 'string' },
            name: { id: 3, type: 'string' },
            opType: { id: 4, type: 'string' },
            attribute: { id: 5, rule: 'repeated', type: 'AttributeProto' },
            domain: { id: 7, type: 'string' },
          },
        },
        AttributeProto: {
          fields: {
            name: { id: 1, type: 'string' },
            f: { id: 2, type: 'float' },
            i: { id: 3, type: 'int64' },
            t: { id: 5, type: 'TensorProto' },
            ints: { id: 8, rule: 'repeated', type: 'int64', options: unpacked },
            type: { id: 20, type: 'int32' },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, rule: 'repeated', type: 'int64', options: unpacked },
            dataType: { id: 2, type: 'int32' },
            name: { id: 8, type: 'string' },
            rawData: { id: 9, type: 'bytes' },
            docString: { id: 12, type: 'string' },
          },
        },
        ValueInfoProto: { fields: { name: { id: 1, type: 'string' }, type: { id: 2, type: 'TypeProto' } } },
        TypeProto: {
          fields: { tensorType: { id: 1, type: 'TypeProtoTensor' } },
        },
        TypeProtoTensor: { fields: { elemType: { id: 1, type: 'int32' }, shape: { id: 2, type: 'TensorShapeProto' } } },
        TensorShapeProto: { fields: { dim: { id: 1, rule: 'repeated', type: 'Dimension' } } },
        Dimension: { fields: { dimValue: { id: 1, type: 'int64' }, dimParam: { id: 2, type: 'string' } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);

/** The message types (encode / decode / verify through protobufjs). */
export const onnx = {
  ModelProto: root.lookupType('onnx.ModelProto'),
  GraphProto: root.lookupType('onnx.GraphProto'),
  TensorProto: root.lookupType('onnx.TensorProto'),
  NodeProto: root.lookupType('onnx.NodeProto'),
  StringStringEntryProto: root.lookupType('onnx.StringStringEntryProto'),
  readerFor: (bytes: Uint8Array) => protobuf.Reader.create(bytes),
};

/** protobufjs's Writer (varints and length prefixes for the streamed parts). */
export const ProtoWriter = protobuf.Writer;

// Plain-object shapes of the messages above (what the graph builder produces).
export interface TensorProtoJson { name: string; dims: number[]; dataType: number; rawData?: Uint8Array; docString?: string }
export interface AttributeJson { name: string; type: number; f?: number; i?: number; ints?: number[]; t?: TensorProtoJson }
export interface NodeJson { name: string; opType: string; input: string[]; output: string[]; attribute?: AttributeJson[] }
export type DimJson = { dimValue: number } | { dimParam: string };
export interface ValueInfoJson { name: string; type: { tensorType: { elemType: number; shape: { dim: DimJson[] } } } }
