/**
 * Writes a synthetic JuiceFS JSON dump with `n` inodes to stdout (for measuring
 * `fsmeta load` / `fsmeta dump` at scale, docs/benchmarks.md): directories of
 * 100 entries, each file with one chunk of one slice, every 10th file with an
 * xattr, every 50th entry a symlink. Usage: node test/dist/bench/gen-dump.js 100000 > volume.json
 */
export {};

const n = Number(process.argv[2] ?? '100000');
const PER_DIR = 100;
const out: string[] = [];
let pending = 0;
function w(s: string): void {
  out.push(s);
  pending += s.length;
  if (pending > 1 << 20) flush();
}
function flush(): void {
  process.stdout.write(out.join(''));
  out.length = 0;
  pending = 0;
}
const attr = (inode: number, type: string, extra = '') =>
  `{"inode":${inode},"type":"${type}","mode":${type === 'directory' ? 493 : 420},"uid":1000,"gid":1000,"atime":1700000000,"mtime":1700000000,"ctime":1700000000,"atimensec":5,"mtimensec":6,"ctimensec":7,"nlink":${type === 'directory' ? 2 : 1},"length":${extra}}`;
const dirs = Math.ceil((n - 1) / (PER_DIR + 1));
w(`{\n"Setting": {"Name": "bench-volume", "UUID": "00000000-0000-4000-8000-000000000001", "Storage": "file", "Bucket": "/tmp/b/", "BlockSize": 4096, "Compression": "none", "TrashDays": 0, "MetaVersion": 1},\n`);
w(`"Counters": {"usedSpace": 0, "usedInodes": ${n - 1}, "nextInodes": ${n + 1}, "nextChunk": ${n + 1}, "nextSession": 1, "nextTrash": 0},\n"Sustained": [],\n"DelFiles": [],\n`);
w(`"FSTree": {\n "attr": ${attr(1, 'directory', '0')},\n "entries": {`);
let inode = 2;
let slice = 1;
for (let d = 0; d < dirs && inode <= n; d++) {
  w(`${d === 0 ? '' : ','}\n  "dir-${d}": {\n   "attr": ${attr(inode++, 'directory', '0')},\n   "entries": {`);
  for (let f = 0; f < PER_DIR && inode <= n; f++) {
    const sep = f === 0 ? '' : ',';
    if (f % 50 === 49) {
      w(`${sep}\n    "link-${f}": {"attr": ${attr(inode++, 'symlink', '0')}, "symlink": "../dir-${d}/file-${f - 1}"}`);
      continue;
    }
    const len = 1000 + f;
    const x = f % 10 === 0 ? `, "xattrs": [{"name": "user.tag", "value": "v${f}"}]` : '';
    w(`${sep}\n    "file-${f}": {"attr": ${attr(inode++, 'regular', String(len))}${x}, "chunks": [{"index":0,"slices":[{"id":${slice++},"size":${len},"len":${len}}]}]}`);
  }
  w('\n   }\n  }');
}
w('\n }\n}\n}\n');
flush();
