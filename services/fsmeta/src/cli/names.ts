/**
 * Names and symlink targets are bytes; JuiceFS's dump writes them as JSON
 * strings, percent-encoding what is not printable UTF-8 (escape / unescape in
 * JuiceFS pkg/meta/dump.go). The same encoding serves human output here.
 */

const HEX = '0123456789ABCDEF';

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none (Go's utf8 rules). */
function utf8Len(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (j: number) => j < b.length && (b[j]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1];
    if (c1 === undefined) return 0;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1];
    if (c1 === undefined) return 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 >= 0x90) return 0;
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/**
 * As JuiceFS escape: bytes that are not valid UTF-8, control characters, '%',
 * '"' and '\' become %XX; everything else stays. Unlike JuiceFS, a literal
 * U+FFFD is escaped whole (JuiceFS escapes only its first byte and loses the rest).
 */
export function escapeName(b: Buffer): string {
  let out = '';
  let plainFrom = 0;
  let i = 0;
  const flush = (to: number) => {
    if (to > plainFrom) out += b.toString('utf8', plainFrom, to);
  };
  while (i < b.length) {
    const n = utf8Len(b, i);
    const c = b[i]!;
    const fffd = n === 3 && c === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd;
    if (n === 0 || c < 32 || c === 0x25 || c === 0x22 || c === 0x5c || fffd) {
      flush(i);
      const len = n === 0 ? 1 : n;
      for (let k = 0; k < len; k++) out += `%${HEX[b[i + k]! >> 4]}${HEX[b[i + k]! & 15]}`;
      i += len;
      plainFrom = i;
    } else {
      i += n;
    }
  }
  flush(b.length);
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** As JuiceFS unescape: %XX (upper-case hex) becomes the byte; anything else stays as it is. */
export function unescapeName(s: string): Buffer {
  const p = Buffer.from(s, 'utf8');
  if (!s.includes('%')) return p;
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    let c = p[i]!;
    if (c === 0x25 && i + 2 < p.length) {
      const h = hexValue(p[i + 1]!);
      const l = hexValue(p[i + 2]!);
      if (h >= 0 && l >= 0) {
        c = h * 16 + l;
        i += 2;
      }
    }
    p[n++] = c;
  }
  return p.subarray(0, n);
}

/** "/a/b" from names; the root is "/". */
export function joinPath(names: Buffer[]): string {
  return names.length === 0 ? '/' : names.map((n) => `/${escapeName(n)}`).join('');
}

/** Splits a path given on the command line into names (percent-escapes decoded as in dumps). */
export function splitPath(path: string): Buffer[] {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .map(unescapeName);
}
