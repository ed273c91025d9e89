import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { META_PROTO, META_SERVICE, PROTO_DIR } from './index';

/**
 * Reflection over the Meta service's request messages, for code that checks
 * requests field by field without knowing each message (the server's input
 * limits, the client's 64-bit checks). Field names are the .proto names
 * (snake_case); `key` is the property name in decoded objects (camelCase, as
 * the shared loader options produce).
 */
export interface FieldShape {
  /** The .proto name, e.g. session_id. */
  name: string;
  /** The decoded object's property, e.g. sessionId. */
  key: string;
  /** Scalar type name (uint64, string, bytes, ...) or, for a message or enum, its full name. */
  type: string;
  repeated: boolean;
  /** Set for message fields. */
  message?: MessageShape;
  /** Set for enum fields: the value names. */
  enumValues?: ReadonlySet<string>;
}

export interface MessageShape {
  fullName: string;
  fields: FieldShape[];
}

let cached: Map<string, MessageShape> | undefined;

function shapeOf(type: protobuf.Type, seen: Map<string, MessageShape>): MessageShape {
  const known = seen.get(type.fullName);
  if (known !== undefined) return known;
  const shape: MessageShape = { fullName: type.fullName.replace(/^\./, ''), fields: [] };
  seen.set(type.fullName, shape);
  for (const f of type.fieldsArray) {
    f.resolve();
    const field: FieldShape = { name: f.name, key: protobuf.util.camelCase(f.name), type: f.type, repeated: f.repeated };
    if (f.resolvedType instanceof protobuf.Type) field.message = shapeOf(f.resolvedType, seen);
    else if (f.resolvedType instanceof protobuf.Enum) field.enumValues = new Set(Object.keys(f.resolvedType.values));
    shape.fields.push(field);
  }
  return shape;
}

/** The request message of every Meta method, by method name. */
export function requestShapes(): Map<string, MessageShape> {
  if (cached !== undefined) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync(META_PROTO, { keepCase: true });
  root.resolveAll();
  const service = root.lookupService(META_SERVICE);
  const seen = new Map<string, MessageShape>();
  cached = new Map(service.methodsArray.map((m) => [m.name, shapeOf(root.lookupType(m.requestType), seen)]));
  return cached;
}

export const INT64_TYPES: ReadonlySet<string> = new Set(['int64', 'sint64', 'sfixed64']);
export const UINT64_TYPES: ReadonlySet<string> = new Set(['uint64', 'fixed64']);
