import type { ErrnoName } from '@fsmeta/proto';

/** A POSIX error: the one error type meta operations throw for an expected failure. */
export class FsError extends Error {
  constructor(
    readonly errno: ErrnoName,
    message?: string,
  ) {
    super(message ?? errno);
    this.name = 'FsError';
  }
}

/** A request that is malformed rather than failing on file-system state: INVALID_ARGUMENT naming the field. */
export class InvalidArgument extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidArgument';
  }
}

/** The server cannot serve the call now (shutting down): UNAVAILABLE, which clients retry on another replica. */
export class Unavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unavailable';
  }
}

/** An RPC whose implementation has not landed yet. */
export class Unimplemented extends Error {
  constructor(method: string) {
    super(`${method} is not implemented yet`);
    this.name = 'Unimplemented';
  }
}

export function fail(errno: ErrnoName, message?: string): never {
  throw new FsError(errno, message);
}

/** A limit of the service was reached (sessions, calls in flight): RESOURCE_EXHAUSTED, retry later. */
export class ResourceExhausted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceExhausted';
  }
}
