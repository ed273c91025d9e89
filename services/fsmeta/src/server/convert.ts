import type { v1 } from '@fsmeta/proto';
import { InvalidArgument } from '../meta/errors';
import { bindingOf } from './binding';
import type { Attr, Caller, Entry, FileType, OpContext } from '../meta/types';

/** Wire <-> meta conversions. 64-bit fields travel as decimal strings; enums as names. */

const MAX_U64 = (1n << 64n) - 1n;
const MAX_U32 = 0xffff_ffff;

export const FILE_TYPE_NAMES: Record<FileType, v1.FileType__Output> = {
  1: 'FILE_TYPE_REGULAR',
  2: 'FILE_TYPE_DIRECTORY',
  3: 'FILE_TYPE_SYMLINK',
  4: 'FILE_TYPE_FIFO',
  5: 'FILE_TYPE_BLOCK_DEVICE',
  6: 'FILE_TYPE_CHAR_DEVICE',
  7: 'FILE_TYPE_SOCKET',
};

const FILE_TYPE_BY_NAME = new Map<string, FileType>(
  (Object.entries(FILE_TYPE_NAMES) as [string, string][]).map(([n, name]) => [name, Number(n) as FileType]),
);

/** An unknown or unspecified type becomes 0, which meta rejects with EINVAL (as JuiceFS for a type outside 1..7). */
export function fileTypeFromWire(t: string): FileType | 0 {
  return FILE_TYPE_BY_NAME.get(t) ?? 0;
}

export function u64(value: string | undefined | null, field: string): bigint {
  if (value === undefined || value === null || value === '') return 0n;
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    throw new InvalidArgument(field, 'not an unsigned 64-bit integer');
  }
  if (v < 0n || v > MAX_U64) throw new InvalidArgument(field, 'not an unsigned 64-bit integer');
  return v;
}

export function i64(value: string | undefined | null, field: string): bigint {
  if (value === undefined || value === null || value === '') return 0n;
  try {
    return BigInt(value);
  } catch {
    throw new InvalidArgument(field, 'not a 64-bit integer');
  }
}

/** A u64 inode argument that must name some inode. */
export function inodeArg(value: string | undefined | null, field: string): bigint {
  const v = u64(value, field);
  if (v === 0n) throw new InvalidArgument(field, 'required');
  return v;
}

function caller(c: v1.Caller__Output | null | undefined): Caller {
  if (c === null || c === undefined) throw new InvalidArgument('ctx.caller', 'required');
  return { uid: c.uid, gid: c.gid, gids: c.gids, permissionsChecked: c.permissionsChecked };
}

export function opContext(ctx: v1.RequestContext__Output | null | undefined): OpContext {
  if (ctx === null || ctx === undefined) throw new InvalidArgument('ctx', 'required');
  return { sessionId: u64(ctx.sessionId, 'ctx.session_id'), requestId: ctx.requestId, caller: caller(ctx.caller), binding: bindingOf(ctx) };
}

export function attrToWire(a: Attr): v1.Attr {
  return {
    inode: a.inode.toString(),
    type: FILE_TYPE_NAMES[a.type],
    mode: a.mode,
    uid: a.uid,
    gid: a.gid,
    rdev: a.rdev,
    atimeNs: a.atimeNs.toString(),
    mtimeNs: a.mtimeNs.toString(),
    ctimeNs: a.ctimeNs.toString(),
    nlink: Math.min(a.nlink, MAX_U32),
    length: a.length.toString(),
    parent: a.parent.toString(),
    flags: a.flags,
  };
}

export function entryToWire(e: Entry): v1.Entry {
  return {
    inode: e.inode.toString(),
    name: e.name,
    type: FILE_TYPE_NAMES[e.type],
    attr: e.attr === undefined ? null : attrToWire(e.attr),
  };
}
