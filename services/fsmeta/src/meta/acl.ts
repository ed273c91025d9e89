import type { Db, Tx } from '../store/db';
import { getAclRow, putAclRow, setNodeAcls, type AclRow } from '../store/acl';
import type { MetaDeps } from './deps';
import { FsError, fail } from './errors';
import { accessBits, inGroup, trusted } from './perm';
import type { Attr, Caller } from './types';

/**
 * POSIX ACLs (Format enable_acl), as Linux and JuiceFS pkg/acl: an access
 * ACL and, on directories, a default ACL per inode, set and read through the
 * system.posix_acl_access / system.posix_acl_default xattrs in Linux's binary
 * form. Rule sets are stored once in the acl table and shared by id (JuiceFS
 * jfs_acl); rows never change, so every replica caches them by id forever.
 */

export const ACL_ACCESS_XATTR = Buffer.from('system.posix_acl_access');
export const ACL_DEFAULT_XATTR = Buffer.from('system.posix_acl_default');
/** A missing mask (a minimal rule), as JuiceFS's 0xFFFF. */
export const ACL_UNSET = 0xffff;
/** No ACL (JuiceFS aclAPI.None). */
export const ACL_NONE = 0;

export type AclKind = 'access' | 'default';

export interface AclEntry {
  id: number;
  perm: number;
}

export interface AclRule {
  owner: number;
  group: number;
  /** ACL_UNSET when the rule has no mask entry. */
  mask: number;
  other: number;
  users: AclEntry[];
  groups: AclEntry[];
}

// Linux's xattr form (include/uapi/linux/posix_acl_xattr.h): a little-endian u32 version 2,
// then 8-byte entries (tag u16, perm u16, id u32), in the order USER_OBJ, USER..., GROUP_OBJ,
// GROUP..., MASK, OTHER.
const XATTR_VERSION = 2;
const HEADER_BYTES = 4;
const ENTRY_BYTES = 8;
const TAG_USER_OBJ = 0x01;
const TAG_USER = 0x02;
const TAG_GROUP_OBJ = 0x04;
const TAG_GROUP = 0x08;
const TAG_MASK = 0x10;
const TAG_OTHER = 0x20;
const UNDEFINED_ID = 0xffff_ffff;
const NAMED_BYTES = 6;

/**
 * Parses a system.posix_acl_* value; undefined for a header without entries
 * (which removes the ACL, as the kernel's posix_acl_from_xattr). EINVAL for
 * anything posix_acl_valid refuses: a bad size or version, entries out of
 * order, a repeated or missing entry, a named entry without a mask, bits
 * beyond rwx.
 */
export function decodeAclXattr(value: Buffer): AclRule | undefined {
  if (value.length < HEADER_BYTES || (value.length - HEADER_BYTES) % ENTRY_BYTES !== 0) fail('EINVAL', 'malformed ACL');
  if (value.readUInt32LE(0) !== XATTR_VERSION) fail('EINVAL', 'unknown ACL version');
  const count = (value.length - HEADER_BYTES) / ENTRY_BYTES;
  if (count === 0) return undefined;
  const rule: AclRule = { owner: 0, group: 0, mask: ACL_UNSET, other: 0, users: [], groups: [] };
  // The order posix_acl_valid enforces: 0 USER_OBJ, 1 USER..., 2 GROUP_OBJ, 3 GROUP..., 4 MASK, 5 OTHER, 6 done.
  let state = 0;
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    const tag = value.readUInt16LE(at);
    const perm = value.readUInt16LE(at + 2);
    const id = value.readUInt32LE(at + 4);
    if ((perm & ~7) !== 0) fail('EINVAL', 'ACL permission bits beyond rwx');
    const named = (list: AclEntry[]): void => {
      if (id === UNDEFINED_ID || (list.length > 0 && list[list.length - 1]!.id >= id)) fail('EINVAL', 'ACL entries out of order or repeated');
      list.push({ id, perm });
    };
    switch (tag) {
      case TAG_USER_OBJ:
        if (state !== 0) fail('EINVAL', 'misplaced ACL_USER_OBJ');
        rule.owner = perm;
        state = 1;
        break;
      case TAG_USER:
        if (state !== 1) fail('EINVAL', 'misplaced ACL_USER');
        named(rule.users);
        break;
      case TAG_GROUP_OBJ:
        if (state !== 1) fail('EINVAL', 'misplaced ACL_GROUP_OBJ');
        rule.group = perm;
        state = 3;
        break;
      case TAG_GROUP:
        if (state !== 3) fail('EINVAL', 'misplaced ACL_GROUP');
        named(rule.groups);
        break;
      case TAG_MASK:
        if (state !== 3) fail('EINVAL', 'misplaced ACL_MASK');
        rule.mask = perm;
        state = 4;
        break;
      case TAG_OTHER:
        if (state !== 4 && !(state === 3 && rule.users.length === 0 && rule.groups.length === 0)) fail('EINVAL', 'misplaced ACL_OTHER or missing mask');
        rule.other = perm;
        state = 6;
        break;
      default:
        fail('EINVAL', 'unknown ACL tag');
    }
  }
  if (state !== 6) fail('EINVAL', 'incomplete ACL');
  return rule;
}

/** The Linux xattr form of a rule (what getfacl reads through FUSE). */
export function encodeAclXattr(rule: AclRule): Buffer {
  const entries: [number, number, number][] = [[TAG_USER_OBJ, rule.owner, UNDEFINED_ID]];
  for (const u of rule.users) entries.push([TAG_USER, u.perm, u.id]);
  entries.push([TAG_GROUP_OBJ, rule.group, UNDEFINED_ID]);
  for (const g of rule.groups) entries.push([TAG_GROUP, g.perm, g.id]);
  if (rule.mask !== ACL_UNSET) entries.push([TAG_MASK, rule.mask, UNDEFINED_ID]);
  entries.push([TAG_OTHER, rule.other, UNDEFINED_ID]);
  const out = Buffer.alloc(HEADER_BYTES + entries.length * ENTRY_BYTES);
  out.writeUInt32LE(XATTR_VERSION, 0);
  entries.forEach(([tag, perm, id], i) => {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(perm, at + 2);
    out.writeUInt32LE(id, at + 4);
  });
  return out;
}

/** A rule the mode bits say in full: no named entries, no mask (JuiceFS Rule.IsMinimal). */
export function isMinimal(rule: AclRule): boolean {
  return rule.users.length === 0 && rule.groups.length === 0 && rule.mask === ACL_UNSET;
}

/** The rwxrwxrwx bits a rule stands for: owner, mask (or owning group), other (Rule.GetMode). */
export function ruleMode(rule: AclRule): number {
  return (rule.owner << 6) | ((rule.mask !== ACL_UNSET ? rule.mask : rule.group) << 3) | rule.other;
}

/** The rule after a chmod to `mode`: owner and other bits, and the mask (or owning group) from the group bits (Rule.SetMode). */
export function withMode(rule: AclRule, mode: number): AclRule {
  const g = (mode >> 3) & 7;
  return {
    ...rule,
    owner: (mode >> 6) & 7,
    other: mode & 7,
    mask: rule.mask !== ACL_UNSET ? g : ACL_UNSET,
    group: rule.mask !== ACL_UNSET ? rule.group : g,
  };
}

/** A new inode's access ACL from its directory's default ACL and the create mode (posix_acl_create_masq; no umask). */
export function childAccessRule(def: AclRule, mode: number): AclRule {
  const g = (mode >> 3) & 7;
  return {
    ...def,
    owner: def.owner & (mode >> 6) & 7,
    other: def.other & mode & 7,
    mask: def.mask !== ACL_UNSET ? def.mask & g : ACL_UNSET,
    group: def.mask !== ACL_UNSET ? def.group : def.group & g,
  };
}

/**
 * The rwx bits a rule grants the caller on an inode owned by (uid, gid), as
 * Linux posix_acl_permission: the owner entry for the owner; a named user's
 * entry limited by the mask; among the owning group and named groups the
 * caller is in, the best entry limited by the mask (any match ends the
 * search: no fall-through to other); else other.
 */
export function aclBits(rule: AclRule, caller: Caller, uid: number, gid: number, want: number): number {
  if (caller.uid === uid) return rule.owner;
  const mask = rule.mask !== ACL_UNSET ? rule.mask : 7;
  const user = rule.users.find((u) => u.id === caller.uid);
  if (user !== undefined) return user.perm & mask;
  let found = false;
  let best = 0;
  const consider = (perm: number): void => {
    found = true;
    if (((perm & mask) & want) === want) best = perm & mask;
  };
  if (inGroup(caller, gid)) consider(rule.group);
  for (const g of rule.groups) if (inGroup(caller, g.id)) consider(g.perm);
  if (found) return best;
  return rule.other;
}

function encodeNamed(list: AclEntry[]): Buffer {
  const out = Buffer.alloc(list.length * NAMED_BYTES);
  list.forEach((e, i) => {
    out.writeUInt32BE(e.id, i * NAMED_BYTES);
    out.writeUInt16BE(e.perm, i * NAMED_BYTES + 4);
  });
  return out;
}

function decodeNamed(b: Buffer): AclEntry[] {
  const out: AclEntry[] = [];
  for (let at = 0; at + NAMED_BYTES <= b.length; at += NAMED_BYTES) out.push({ id: b.readUInt32BE(at), perm: b.readUInt16BE(at + 4) });
  return out;
}

export function ruleToRow(rule: AclRule): AclRow {
  return { owner: rule.owner, grp: rule.group, mask: rule.mask, other: rule.other, namedUsers: encodeNamed(rule.users), namedGroups: encodeNamed(rule.groups) };
}

export function rowToRule(row: AclRow): AclRule {
  return { owner: row.owner, group: row.grp, mask: row.mask, other: row.other, users: decodeNamed(row.namedUsers), groups: decodeNamed(row.namedGroups) };
}

/** Rules by id, per database: rows never change, so they are cached for the life of the process. */
const RULES = new WeakMap<Db, Map<number, AclRule>>();

/** ACL-aware permission checks and the shared rule store. */
export class Acls {
  private readonly rules: Map<number, AclRule>;

  constructor(deps: MetaDeps) {
    let rules = RULES.get(deps.db);
    if (rules === undefined) RULES.set(deps.db, (rules = new Map()));
    this.rules = rules;
  }

  /** The rule with id `id`, from the cache or `q`. */
  async rule(q: Tx, id: number): Promise<AclRule> {
    const cached = this.rules.get(id);
    if (cached !== undefined) return cached;
    const row = await getAclRow(q, id);
    if (row === undefined) fail('EIO', `ACL ${id} is missing`);
    const rule = rowToRule(row);
    this.rules.set(id, rule);
    return rule;
  }

  /** The id of a rule, stored once for every inode with the same rules (JuiceFS saveACL). */
  async save(tx: Tx, rule: AclRule): Promise<number> {
    return putAclRow(tx, ruleToRow(rule));
  }

  /**
   * The bits the caller has, as Linux: through the access ACL when the inode
   * has one and its group bits are not all off (JuiceFS Access), else the mode.
   */
  async bits(q: Tx, caller: Caller, attr: Attr, want: number): Promise<number> {
    const id = attr.accessAcl ?? ACL_NONE;
    if (id === ACL_NONE || (attr.mode & 0o070) === 0) return accessBits(caller, attr);
    return aclBits(await this.rule(q, id), caller, attr.uid, attr.gid, want);
  }

  async has(q: Tx, caller: Caller, attr: Attr, mask: number): Promise<boolean> {
    if (trusted(caller)) return true;
    return ((await this.bits(q, caller, attr, mask)) & mask) === mask;
  }

  /**
   * What a new entry of `parent` gets from its default ACL (posix_acl_create,
   * JuiceFS doMknod): undefined without one. The umask is not applied; a
   * minimal default ACL only masks the mode; otherwise the entry gets an
   * access ACL (the default ACL masked by the create mode) and, for a
   * directory, the default ACL itself.
   */
  async inherit(tx: Tx, parent: Attr, isDir: boolean, mode: number): Promise<{ mode: number; accessAcl?: number; defaultAcl?: number } | undefined> {
    if (parent.defaultAcl === undefined) return undefined;
    const def = await this.rule(tx, parent.defaultAcl);
    const defaultAcl = isDir ? parent.defaultAcl : undefined;
    if (isMinimal(def)) return { mode: mode & (0o7000 | ruleMode(def)), defaultAcl };
    const child = childAccessRule(def, mode);
    return { mode: (mode & 0o7000) | ruleMode(child), accessAcl: await this.save(tx, child), defaultAcl };
  }

  /** The access ACL id after a chmod of `attr` (which has one) to `mode`, stored on the node. */
  async chmod(tx: Tx, attr: Attr, mode: number): Promise<number> {
    const id = await this.save(tx, withMode(await this.rule(tx, attr.accessAcl!), mode));
    await setNodeAcls(tx, attr.inode, id, attr.defaultAcl ?? ACL_NONE);
    return id;
  }

  /** EACCES unless the caller has every bit of `mask` (root and kernel-checked callers pass). */
  async check(q: Tx, caller: Caller, attr: Attr, mask: number): Promise<void> {
    if (!(await this.has(q, caller, attr, mask))) throw new FsError('EACCES');
  }
}
