import * as fs from 'node:fs';

/** A JuiceFS JSON dump read back for comparison: numbers past 2^53 kept exact (as strings). */
export function readDump(file: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const text = fs.readFileSync(file, 'utf8').replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"');
  return JSON.parse(text);
}

interface Flat {
  attr: Record<string, unknown>;
  symlink?: string;
  xattrs?: unknown;
  chunks?: unknown;
  acl?: unknown;
  aclDefault?: unknown;
}

/**
 * Every entry of a dump's tree by path, with what `load` must keep: the
 * attributes (JuiceFS's storage `tier` aside), symlink target, xattrs, chunks
 * and ACLs. Two dumps are equivalent when these maps are equal.
 */
export function flatten(tree: any, root = ''): Map<string, Flat> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out = new Map<string, Flat>();
  const walk = (e: any, path: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const { tier: _tier, ...attr } = e.attr;
    const flat: Flat = { attr };
    if (e.symlink !== undefined) flat.symlink = e.symlink;
    if (e.xattrs !== undefined) flat.xattrs = [...e.xattrs].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (e.chunks !== undefined) flat.chunks = e.chunks;
    if (e.posix_acl_access !== undefined) flat.acl = e.posix_acl_access;
    if (e.posix_acl_default !== undefined) flat.aclDefault = e.posix_acl_default;
    out.set(path || '/', flat);
    for (const [name, child] of Object.entries(e.entries ?? {})) walk(child, `${path}/${name}`);
  };
  walk(tree, root);
  return out;
}
