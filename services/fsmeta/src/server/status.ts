import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ERRNO,
  ERRNO_METADATA_KEY,
  ERRNO_NAME_METADATA_KEY,
  STATUS_DETAILS_KEY,
  encodeErrorDetails,
} from '@fsmeta/proto';
import type { Logger } from 'pino';
import { FsError, InvalidArgument, ResourceExhausted, Unavailable, Unimplemented } from '../meta/errors';
import { isUnavailable } from '../store/db';
import { AuthError } from './auth';

function serviceError(code: status, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata });
}

/**
 * The one mapping from a failure to a gRPC status (docs/api.md). An FsError
 * becomes its errno's code with the errno in trailing metadata and a
 * google.rpc.ErrorInfo; an InvalidArgument names the field; anything else is
 * INTERNAL with a generic message, and the cause goes to the log only.
 */
export function toServiceError(err: unknown, log: Logger, method: string): ServiceError {
  if (err instanceof FsError) {
    const { errno, code } = ERRNO[err.errno];
    const metadata = new Metadata();
    metadata.set(ERRNO_METADATA_KEY, String(errno));
    metadata.set(ERRNO_NAME_METADATA_KEY, err.errno);
    const message = err.message === err.errno ? err.errno : `${err.errno}: ${err.message}`;
    metadata.set(
      STATUS_DETAILS_KEY,
      encodeErrorDetails({ code, message, reason: err.errno, metadata: { errno: String(errno) } }),
    );
    return serviceError(code, message, metadata);
  }
  if (err instanceof InvalidArgument) return serviceError(status.INVALID_ARGUMENT, err.message);
  if (err instanceof AuthError) return serviceError(err.code, err.message);
  if (err instanceof ResourceExhausted) return serviceError(status.RESOURCE_EXHAUSTED, err.message);
  if (err instanceof Unimplemented) return serviceError(status.UNIMPLEMENTED, err.message);
  if (err instanceof Unavailable) return serviceError(status.UNAVAILABLE, err.message);
  if (isUnavailable(err)) {
    log.warn({ err: err instanceof Error ? err.message : String(err), method }, 'database unavailable');
    return serviceError(status.UNAVAILABLE, 'database unavailable');
  }
  log.error({ err, method }, 'internal error');
  return serviceError(status.INTERNAL, 'internal error');
}
