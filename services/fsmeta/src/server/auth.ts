import * as fs from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { OpenService } from '../config';
import type { Meta } from '../meta';
import { FsError } from '../meta/errors';
import { u64 } from './convert';
import type { CallContext, MethodName } from './handlers/types';
import { loadIdentities, sha256Hex, type Identity, type Role } from './identities';

/**
 * Authentication and authorization of every call (docs/security.md), applied in
 * one place by the server wiring: who is calling (bearer token or client
 * certificate -> identity), may that role call this RPC, is the session theirs,
 * and, for a confined identity, the mapping of its root to its subdir and the
 * refusal of inodes outside it, plus root squash.
 */

/** What an RPC does, for authorization: every RPC of proto/fsmeta/v1/meta.proto once. */
export type AccessClass = 'read' | 'write' | 'admin';

export const METHOD_ACCESS: Record<MethodName, AccessClass> = {
  // A readonly-node may open read-only sessions (see admitRole).
  NewSession: 'write',
  Heartbeat: 'read',
  // Closing another identity's session ("session kill") is an admin's: ownership is checked.
  CloseSession: 'read',
  // Every session's host, addresses and mount point: operator information.
  ListSessions: 'admin',
  Lookup: 'read',
  GetAttr: 'read',
  SetAttr: 'write',
  Access: 'read',
  Mknod: 'write',
  Mkdir: 'write',
  Create: 'write',
  Symlink: 'write',
  ReadLink: 'read',
  Link: 'write',
  Unlink: 'write',
  Rmdir: 'write',
  Rename: 'write',
  Readdir: 'read',
  // Open for writing in a read-only session answers EROFS (the session decides, as a read-only mount).
  Open: 'read',
  Close: 'read',
  NewSlices: 'write',
  Read: 'read',
  Write: 'write',
  Truncate: 'write',
  Fallocate: 'write',
  CopyFileRange: 'write',
  GetXattr: 'read',
  SetXattr: 'write',
  ListXattr: 'read',
  RemoveXattr: 'write',
  // Locks change no file: a read-only mount takes them too (JuiceFS allows flock on a read-only mount).
  Flock: 'read',
  GetLk: 'read',
  SetLk: 'read',
  StatFS: 'read',
  GetDirStat: 'read',
  GetSummary: 'read',
  SetQuota: 'admin',
  GetQuota: 'read',
  DeleteQuota: 'admin',
  ListQuotas: 'read',
  ClaimSliceDeletions: 'write',
  AckSliceDeletions: 'write',
  ClaimCompaction: 'write',
  CommitCompaction: 'write',
  Format: 'admin',
  GetFormat: 'read',
  // The change feed names inodes and entries anywhere in the volume.
  Watch: 'read',
  // Root's maintenance of the whole trash (the meta layer also wants uid 0).
  RestoreTrash: 'admin',
  CleanupTrash: 'admin',
};

const ROLE_ACCESS: Record<Role, ReadonlySet<AccessClass>> = {
  admin: new Set(['read', 'write', 'admin']),
  node: new Set(['read', 'write']),
  'readonly-node': new Set(['read']),
};

/**
 * RPCs that act on the whole volume rather than on inodes of a subtree: an
 * identity confined to a subdir may not call them (the work queues hand out
 * any file's chunks; ListQuotas names every directory with a quota). Watch
 * is confined instead: its filters are mapped and checked, and the feed
 * delivers only changes inside the subdir (meta/changes.ts).
 */
const VOLUME_WIDE: ReadonlySet<MethodName> = new Set<MethodName>([
  'ListQuotas',
  'ClaimSliceDeletions',
  'AckSliceDeletions',
  'ClaimCompaction',
  'CommitCompaction',
  'RestoreTrash',
  'CleanupTrash',
]);

/** Request fields holding an inode, mapped and checked for a confined identity. */
const INODE_FIELDS = ['inode', 'parent', 'parentSrc', 'parentDst', 'inodeIn', 'inodeOut'] as const;

/** How long a confined identity's subdir inode and an inode's place in it are trusted before asked again. */
const CONFINE_CACHE_MS = 5000;
const CACHE_MAX_ENTRIES = 100_000;

const ROOT = '1';
const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

/** A refused call: UNAUTHENTICATED or PERMISSION_DENIED (mapped by server/status.ts, no errno). */
export class AuthError extends Error {
  constructor(
    readonly code: grpc.status.UNAUTHENTICATED | grpc.status.PERMISSION_DENIED,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface AuthOptions {
  /** Identities file; empty: authentication off, every caller anonymous with full access. */
  authFile: string;
  required: boolean;
  openServices: OpenService[];
  reloadMs: number;
}

/** An admitted call: its context for the handler and the rewrite of its response. */
export interface Admitted {
  context: CallContext;
  reply<T>(res: T): T;
  /** A confined identity's subdir (Watch delivers only what is inside, mapped as `reply` maps). */
  confinedTo?: bigint;
}

const ANONYMOUS: Admitted = { context: { identity: null }, reply: (res) => res };

interface Request {
  ctx?: { sessionId?: string; caller?: { uid: number; gid: number; gids: number[]; permissionsChecked?: boolean } | null } | null;
  sessionId?: string;
  readOnly?: boolean;
  name?: Buffer;
  kind?: string;
  key?: string;
  [field: string]: unknown;
}

function subjectMatches(want: Record<string, string>, cert: PeerCertificate): boolean {
  const keys = Object.keys(want);
  if (keys.length === 0 || cert.subject === undefined) return false;
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
  return keys.every((k) => {
    const have = subject[k];
    return Array.isArray(have) ? have.includes(want[k]!) : have === want[k];
  });
}

export class Auth {
  private identities: Identity[] = [];
  private byToken = new Map<string, Identity>();
  private fileStamp = '';
  private timer?: NodeJS.Timeout;
  /** Session owners never change and session ids are never reused: kept until the map is full. */
  private readonly owners = new Map<string, string | null>();
  private readonly subdirs = new Map<string, { path: string; inode: bigint; until: number }>();
  private readonly places = new Map<string, number>();

  constructor(
    private readonly meta: Meta,
    private readonly log: Logger,
    private readonly options: AuthOptions,
  ) {
    if (options.authFile !== '') {
      this.load();
      // A bad edit of the file keeps the identities in force (logged), so a typo never locks every node out.
      let lastError = '';
      this.timer = setInterval(() => {
        try {
          this.load();
          lastError = '';
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          // Once per distinct failure, not every tick.
          if (message !== lastError) this.log.error({ err: message }, 'identities file not reloaded; the previous identities stay in force');
          lastError = message;
        }
      }, options.reloadMs);
      this.timer.unref();
    }
  }

  get enabled(): boolean {
    return this.options.authFile !== '';
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** (Re)reads the identities file when it changed. Throws when it is unreadable or invalid. */
  private load(): void {
    const st = fs.statSync(this.options.authFile);
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (stamp === this.fileStamp) return;
    const identities = loadIdentities(this.options.authFile);
    this.identities = identities;
    this.byToken = new Map(identities.flatMap((i) => i.tokenSha256.map((t) => [t, i] as const)));
    this.subdirs.clear();
    this.places.clear();
    if (this.fileStamp !== '') this.log.info({ identities: identities.length }, 'identities file reloaded');
    this.fileStamp = stamp;
  }

  /**
   * Who is calling: the bearer token's identity when a token is sent (an unknown
   * token is refused even when authentication is not required), else the client
   * certificate's, else anonymous (undefined) when that is allowed.
   */
  authenticate(metadata: grpc.Metadata, peerCertificate: () => PeerCertificate | undefined): Identity | undefined {
    if (!this.enabled) return undefined;
    const header = metadata.get('authorization')[0];
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(String(header));
      if (m === null) throw new AuthError(grpc.status.UNAUTHENTICATED, 'authorization metadata is not "Bearer <token>"');
      const identity = this.byToken.get(sha256Hex(m[1]!));
      if (identity === undefined) throw new AuthError(grpc.status.UNAUTHENTICATED, 'unknown bearer token');
      return identity;
    }
    // Only a certificate the client CA verified is seen here (grpc-js hides unauthorized ones).
    const peer = peerCertificate();
    if (peer !== undefined && peer.subject !== undefined) {
      const identity = this.identities.find((i) => subjectMatches(i.certSubject, peer));
      if (identity !== undefined) return identity;
      if (this.options.required) throw new AuthError(grpc.status.UNAUTHENTICATED, 'no identity matches the client certificate');
    }
    if (this.options.required) throw new AuthError(grpc.status.UNAUTHENTICATED, 'no credentials: send a bearer token or a client certificate');
    return undefined;
  }

  /**
   * Admits a Meta call or throws: authenticates, checks the role against
   * METHOD_ACCESS, the session's owner, and for a confined identity rewrites
   * the request (root -> subdir, ".." at the subdir stays there) and refuses
   * inodes outside the subtree; squashes root. The request is changed in place.
   */
  async admit(method: MethodName, call: grpc.ServerUnaryCall<unknown, unknown>): Promise<Admitted> {
    if (!this.enabled) return ANONYMOUS;
    const identity = this.authenticate(call.metadata, () => call.getAuthContext().sslPeerCertificate);
    if (identity === undefined) return ANONYMOUS;
    const req = call.request as Request;
    this.admitRole(identity, method, req);
    if (identity.role === 'admin') return { context: { identity: identity.name }, reply: (res) => res };

    const sid = this.sessionOf(req);
    if (sid !== undefined && sid !== 0n) await this.checkOwner(identity, sid);
    if (identity.rootSquash !== undefined) {
      const caller = req.ctx?.caller;
      if (caller !== null && caller !== undefined && caller.uid === 0) {
        // The kernel's own checks were made for root: the squashed caller is checked here again.
        req.ctx!.caller = { ...caller, uid: identity.rootSquash.uid, gid: identity.rootSquash.gid, gids: [], permissionsChecked: false };
      }
    }
    if (identity.subdir === undefined) return { context: { identity: identity.name }, reply: (res) => res };
    if (VOLUME_WIDE.has(method)) throw new AuthError(grpc.status.PERMISSION_DENIED, `${method} acts on the whole volume; identity "${identity.name}" is confined to ${identity.subdir}`);
    const root = await this.subdirInode(identity);
    await this.confine(identity, method, req, root, sid ?? 0n);
    const sub = root.toString();
    return {
      context: { identity: identity.name },
      confinedTo: root,
      reply: (res) => {
        unconfine(res, sub);
        if (method === 'Readdir' && req.inode === sub) fixDotDot(res as { entries?: { name: Buffer; inode: string; attr?: unknown }[] });
        return res;
      },
    };
  }

  private admitRole(identity: Identity, method: MethodName, req: Request): void {
    const access = METHOD_ACCESS[method];
    if (ROLE_ACCESS[identity.role].has(access)) return;
    if (method === 'NewSession' && identity.role === 'readonly-node' && req.readOnly === true) return;
    const what = method === 'NewSession' ? 'a read-write session' : `${method} (${access})`;
    throw new AuthError(grpc.status.PERMISSION_DENIED, `identity "${identity.name}" (${identity.role}) may not call ${what}`);
  }

  private sessionOf(req: Request): bigint | undefined {
    const raw = req.ctx?.sessionId ?? req.sessionId;
    if (raw === undefined) return undefined;
    return u64(raw, req.ctx !== undefined && req.ctx !== null ? 'ctx.session_id' : 'session_id');
  }

  /** PERMISSION_DENIED when the session exists and another identity (or nobody) created it. */
  private async checkOwner(identity: Identity, sid: bigint): Promise<void> {
    const key = sid.toString();
    let owner = this.owners.get(key);
    if (owner === undefined) {
      const found = await this.meta.sessions.owner(sid);
      if (found === undefined) return; // no such session: the RPC itself answers (ESTALE, ...)
      owner = found.owner;
      if (this.owners.size >= CACHE_MAX_ENTRIES) this.owners.clear();
      this.owners.set(key, owner);
    }
    if (owner !== identity.name) throw new AuthError(grpc.status.PERMISSION_DENIED, `session ${key} belongs to another identity`);
  }

  private async subdirInode(identity: Identity): Promise<bigint> {
    const cached = this.subdirs.get(identity.name);
    const now = Date.now();
    if (cached !== undefined && cached.path === identity.subdir && cached.until > now) return cached.inode;
    const inode = await this.meta.confinement.resolve(identity.subdir!);
    this.subdirs.set(identity.name, { path: identity.subdir!, inode, until: now + CONFINE_CACHE_MS });
    return inode;
  }

  private async confine(identity: Identity, method: MethodName, req: Request, root: bigint, sid: bigint): Promise<void> {
    const sub = root.toString();
    if (method === 'Watch') {
      // The subtree (0 or 1: the whole view, i.e. the subdir) and each watched inode, mapped and checked as any inode.
      const subtree = u64(req.subtree as string | undefined, 'subtree');
      req.subtree = subtree === 0n || subtree === 1n ? sub : subtree.toString();
      if (subtree > 1n && !(await this.inside(root, subtree, 0n))) throw new FsError('ENOENT', `subtree ${subtree} is outside the subdir of identity "${identity.name}"`);
      const inodes = (req.inodes as string[] | undefined) ?? [];
      for (let i = 0; i < inodes.length; i++) {
        const v = u64(inodes[i], `inodes[${i}]`);
        if (v === 1n) inodes[i] = sub;
        else if (v !== 0n && !(await this.inside(root, v, 0n))) throw new FsError('ENOENT', `inodes[${i}] ${v} is outside the subdir of identity "${identity.name}"`);
      }
      return;
    }
    const fields: string[] = INODE_FIELDS.filter((f) => f in req);
    // StatFS's inode 0 means the volume: for a confined identity, its subdir (narrowed by the quotas above it).
    if (method === 'StatFS' && u64(req.inode as string, 'inode') === 0n) req.inode = ROOT;
    // A directory quota's key is an inode.
    if (method === 'GetQuota' && req.kind === 'QUOTA_KIND_DIRECTORY') fields.push('key');
    for (const f of fields) {
      const v = u64(req[f] as string | undefined, f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      if (v === 0n) continue; // "required" is the handler's to say
      if (v === 1n) {
        req[f] = sub;
        continue;
      }
      req[f] = v.toString();
      if (!(await this.inside(root, v, sid))) {
        // As for an inode that does not exist: a confined node learns nothing about the rest of the volume.
        throw new FsError('ENOENT', `inode ${v} is outside the subdir of identity "${identity.name}"`);
      }
    }
    // ".." of the subdir is the subdir itself, as ".." of the root is the root (JuiceFS Lookup at m.root).
    if (method === 'Lookup' && req.parent === sub && Buffer.isBuffer(req.name) && req.name.equals(DOTDOT)) req.name = DOT;
  }

  private async inside(root: bigint, inode: bigint, sid: bigint): Promise<boolean> {
    const key = `${root}:${inode}`;
    const now = Date.now();
    const until = this.places.get(key);
    if (until !== undefined && until > now) return true;
    const place = await this.meta.confinement.place(root, inode, sid);
    if (place === 'outside') return false;
    // An open-but-outside answer is the session's alone: not remembered for others.
    if (place === 'tree') {
      if (this.places.size >= CACHE_MAX_ENTRIES) this.places.clear();
      this.places.set(key, now + CONFINE_CACHE_MS);
    }
    return true;
  }

  /**
   * Guards services other than Meta (health, reflection): open ones pass; the
   * others need an identity (any role) when authentication is required.
   */
  interceptor(): grpc.ServerInterceptor {
    return (descriptor, call) => {
      const service = descriptor.path.startsWith('/grpc.health.v1.')
        ? 'health'
        : descriptor.path.startsWith('/grpc.reflection.')
          ? 'reflection'
          : undefined;
      if (service === undefined || !this.options.required || this.options.openServices.includes(service)) return new grpc.ServerInterceptingCall(call);
      return new grpc.ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              try {
                this.authenticate(metadata, () => call.getAuthContext().sslPeerCertificate);
              } catch (err) {
                const message = err instanceof AuthError ? err.message : 'unauthenticated';
                call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: message, metadata: new grpc.Metadata() });
                return;
              }
              nextMetadata(metadata);
            },
          }),
      });
    };
  }
}

/** Response side of confinement: the subdir is inode 1 to the confined identity, and its own parent. */
export function unconfine(value: unknown, sub: string): void {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    for (const v of value) unconfine(v, sub);
    return;
  }
  const o = value as Record<string, unknown>;
  if (o.inode === sub) {
    o.inode = ROOT;
    if ('parent' in o) o.parent = ROOT;
  } else if (o.parent === sub) {
    o.parent = ROOT;
  }
  if (o.kind === 'QUOTA_KIND_DIRECTORY' && o.key === sub) o.key = ROOT;
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') unconfine(v, sub);
}

/** Readdir of the subdir: ".." is the subdir itself (the root's ".." is the root). */
function fixDotDot(res: { entries?: { name: Buffer; inode: string; attr?: unknown }[] }): void {
  const entries = res.entries ?? [];
  const dot = entries.find((e) => Buffer.isBuffer(e.name) && e.name.equals(DOT));
  const dotdot = entries.find((e) => Buffer.isBuffer(e.name) && e.name.equals(DOTDOT));
  if (dot === undefined || dotdot === undefined) return;
  dotdot.inode = dot.inode;
  if (dot.attr !== undefined && dot.attr !== null) dotdot.attr = structuredClone(dot.attr);
}

