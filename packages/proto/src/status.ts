import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { ERROR_DOMAIN } from './errno';

/** google.rpc.Status with one google.rpc.ErrorInfo, as carried in the grpc-status-details-bin trailer. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const ERROR_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

let types: { status: protobuf.Type; errorInfo: protobuf.Type } | undefined;

function load(): { status: protobuf.Type; errorInfo: protobuf.Type } {
  if (types === undefined) {
    const root = new protobuf.Root();
    const protoDir = path.resolve(__dirname, '../../../proto');
    root.resolvePath = (_origin, target) =>
      target.startsWith('google/protobuf/') ? target : path.join(protoDir, target);
    root.loadSync('google/rpc/status.proto', { keepCase: false });
    types = { status: root.lookupType('google.rpc.Status'), errorInfo: root.lookupType('google.rpc.ErrorInfo') };
  }
  return types;
}

export interface ErrorDetails {
  code: number;
  message: string;
  reason: string;
  metadata: Record<string, string>;
}

export function encodeErrorDetails(d: ErrorDetails): Buffer {
  const { status, errorInfo } = load();
  const info = errorInfo.encode({ reason: d.reason, domain: ERROR_DOMAIN, metadata: d.metadata }).finish();
  const bytes = status.encode({ code: d.code, message: d.message, details: [{ typeUrl: ERROR_INFO_TYPE_URL, value: info }] }).finish();
  return Buffer.from(bytes);
}

export function decodeErrorDetails(buf: Buffer): ErrorDetails | undefined {
  const { status, errorInfo } = load();
  try {
    const s = status.toObject(status.decode(buf), { defaults: true }) as {
      code: number;
      message: string;
      details: { typeUrl: string; value: Uint8Array }[];
    };
    const any = s.details.find((d) => d.typeUrl === ERROR_INFO_TYPE_URL);
    if (any === undefined) return undefined;
    const info = errorInfo.toObject(errorInfo.decode(any.value), { defaults: true }) as {
      reason: string;
      metadata: Record<string, string>;
    };
    return { code: s.code, message: s.message, reason: info.reason, metadata: info.metadata };
  } catch {
    return undefined;
  }
}
