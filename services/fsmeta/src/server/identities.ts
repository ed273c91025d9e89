import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * The identities file (FSMETA_AUTH_FILE, docs/security.md): who may call, with
 * which role, confined to which subtree, with which root squash. JSON or YAML:
 *
 *   identities:
 *     - name: node-a                # unique; owns the sessions it creates
 *       role: node                  # node | readonly-node | admin
 *       token_sha256: <64 hex>      # or a list (rotation); `token: <plaintext>` also works
 *       cert_cn: node-a             # and/or cert_subject: "O=storage,OU=eu" (all must match)
 *       subdir: /tenants/a          # optional, as a JuiceFS mount's --subdir
 *       root_squash: { uid: 65534, gid: 65534 }   # optional
 */

export const ROLES = ['node', 'readonly-node', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface RootSquash {
  uid: number;
  gid: number;
}

export interface Identity {
  name: string;
  role: Role;
  /** sha256 (hex) of each accepted bearer token. */
  tokenSha256: string[];
  /** Subject attributes a client certificate must carry (CN, O, OU, ...), all of them; empty: no certificate matches. */
  certSubject: Record<string, string>;
  /** Absolute path of the subtree the identity is confined to; undefined: the whole volume. */
  subdir?: string;
  rootSquash?: RootSquash;
}

export class IdentitiesError extends Error {}

const MAX_ID = 0xffff_ffff;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const KNOWN_KEYS = new Set(['name', 'role', 'token', 'token_sha256', 'cert_cn', 'cert_subject', 'subdir', 'root_squash']);

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** "CN=a,O=b" -> { CN: 'a', O: 'b' }. */
function parseSubject(s: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new IdentitiesError(`${where}: "${part}" is not ATTRIBUTE=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function stringList(v: unknown, where: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (typeof x !== 'string' || x === '') throw new IdentitiesError(`${where}: must be a non-empty string or a list of them`);
  return list as string[];
}

function id(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_ID) throw new IdentitiesError(`${where}: must be a whole number 0..${MAX_ID}`);
  return v;
}

function parseIdentity(raw: unknown, i: number): Identity {
  const where = `identities[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new IdentitiesError(`${where}: must be a map`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KNOWN_KEYS.has(k)) throw new IdentitiesError(`${where}: unknown key "${k}"`);
  if (typeof r.name !== 'string' || r.name === '') throw new IdentitiesError(`${where}.name: required`);
  const at = `${where} (${r.name})`;
  if (typeof r.role !== 'string' || !(ROLES as readonly string[]).includes(r.role)) throw new IdentitiesError(`${at}.role: one of ${ROLES.join(', ')}`);
  const tokenSha256: string[] = [];
  if (r.token !== undefined) tokenSha256.push(...stringList(r.token, `${at}.token`).map(sha256Hex));
  if (r.token_sha256 !== undefined) {
    for (const h of stringList(r.token_sha256, `${at}.token_sha256`)) {
      if (!SHA256_HEX.test(h.toLowerCase())) throw new IdentitiesError(`${at}.token_sha256: "${h}" is not 64 hex digits`);
      tokenSha256.push(h.toLowerCase());
    }
  }
  let certSubject: Record<string, string> = {};
  if (r.cert_subject !== undefined) {
    if (typeof r.cert_subject !== 'string') throw new IdentitiesError(`${at}.cert_subject: must be a string like "CN=node-a,O=storage"`);
    certSubject = parseSubject(r.cert_subject, `${at}.cert_subject`);
  }
  if (r.cert_cn !== undefined) {
    if (typeof r.cert_cn !== 'string' || r.cert_cn === '') throw new IdentitiesError(`${at}.cert_cn: must be a non-empty string`);
    certSubject.CN = r.cert_cn;
  }
  if (tokenSha256.length === 0 && Object.keys(certSubject).length === 0) {
    throw new IdentitiesError(`${at}: needs a token (token_sha256) or a certificate match (cert_cn, cert_subject)`);
  }
  const identity: Identity = { name: r.name, role: r.role as Role, tokenSha256, certSubject };
  if (r.subdir !== undefined) {
    if (typeof r.subdir !== 'string' || !r.subdir.startsWith('/')) throw new IdentitiesError(`${at}.subdir: must be an absolute path`);
    const parts = r.subdir.split('/').filter((p) => p !== '');
    if (parts.some((p) => p === '.' || p === '..')) throw new IdentitiesError(`${at}.subdir: must not contain . or ..`);
    if (parts.length > 0) identity.subdir = `/${parts.join('/')}`;
  }
  if (r.root_squash !== undefined) {
    const s = r.root_squash as Record<string, unknown> | null;
    if (s === null || typeof s !== 'object') throw new IdentitiesError(`${at}.root_squash: must be { uid, gid }`);
    identity.rootSquash = { uid: id(s.uid, `${at}.root_squash.uid`), gid: id(s.gid, `${at}.root_squash.gid`) };
  }
  if (identity.role === 'admin' && (identity.subdir !== undefined || identity.rootSquash !== undefined)) {
    throw new IdentitiesError(`${at}: an admin is never confined or squashed; use a node identity for that`);
  }
  return identity;
}

/** Parses and checks an identities document (JSON is YAML too). */
export function parseIdentities(text: string): Identity[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new IdentitiesError(`not JSON or YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = (doc as { identities?: unknown } | null)?.identities;
  if (!Array.isArray(list)) throw new IdentitiesError('needs a top-level "identities" list');
  const identities = list.map(parseIdentity);
  const names = new Set<string>();
  const tokens = new Map<string, string>();
  for (const idn of identities) {
    if (names.has(idn.name)) throw new IdentitiesError(`identity name "${idn.name}" appears twice`);
    names.add(idn.name);
    for (const t of idn.tokenSha256) {
      const other = tokens.get(t);
      if (other !== undefined) throw new IdentitiesError(`identities "${other}" and "${idn.name}" share a token`);
      tokens.set(t, idn.name);
    }
  }
  return identities;
}

export function loadIdentities(file: string): Identity[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new IdentitiesError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseIdentities(text);
  } catch (err) {
    throw new IdentitiesError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
