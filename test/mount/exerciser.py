#!/usr/bin/env python3
"""Random-operation data-integrity exerciser (fsx-style): applies the same random
operation to a file under test and to a model file on a trusted file system,
and checks the file under test against the model after every step: its size,
and the bytes of the range the step touched; the whole file every
--full-every steps and at the end.

Operations: write, read, mapped read, truncate, fallocate (extend, keep size,
punch hole, zero range), copy_file_range (within the file and from a second
file), fsync, close and reopen. With --alt, the same file is also reachable
through a second mount (another mount process, another fsmeta replica): a
reopen then closes the file on one mount and opens it on the other, so every
reopen is a close-to-open hand-over between mounts.

Usage:
  exerciser.py <target> <model> [--ops N] [--seed S] [--max-size BYTES] [--alt PATH] [--resume] [--full-every K]
  exerciser.py <target> <model> <ops> <seed> [max_size]        (the older positional form)

--resume continues on files a previous run left (target and model must be equal
at the start) instead of starting them afresh: a run, a remount, another run.
Prints a JSON summary (progress every 1000 ops on stderr); exits 1 at the first
mismatch (with the op history tail).
"""
import argparse
import ctypes
import ctypes.util
import json
import mmap
import os
import random
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE = 1, 2, 16
SRC_SIZE = 1 << 20


def fallocate(fd, mode, off, n):
    if libc.fallocate(fd, mode, off, n) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def pread_all(fd, n, off):
    out = b""
    while len(out) < n:
        chunk = os.pread(fd, n - len(out), off + len(out))
        if not chunk:
            break
        out += chunk
    return out


def parse():
    argv = sys.argv[1:]
    # The older positional form: target model ops seed [max_size].
    if len(argv) >= 4 and not any(a.startswith("--") for a in argv):
        argv = [argv[0], argv[1], "--ops", argv[2], "--seed", argv[3]] + (["--max-size", argv[4]] if len(argv) > 4 else [])
    p = argparse.ArgumentParser(description="random-operation data-integrity exerciser")
    p.add_argument("target")
    p.add_argument("model")
    p.add_argument("--ops", type=int, default=1000)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--max-size", type=int, default=8 << 20)
    p.add_argument("--alt", default=None, help="the same target through a second mount")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--full-every", type=int, default=50)
    a = p.parse_args(argv)
    if a.seed is None:
        a.seed = int(time.time()) % 1_000_000
    return a


def main():
    a = parse()
    rnd = random.Random(a.seed)
    max_size = a.max_size
    paths = [a.target] + ([a.alt] if a.alt else [])
    flags = os.O_RDWR | os.O_CREAT
    mf = os.open(a.model, flags, 0o644)
    src_m = os.open(a.model + ".src", flags, 0o644)
    if not a.resume:
        os.ftruncate(mf, 0)
        blob = rnd.randbytes(SRC_SIZE)
        os.pwrite(src_m, blob, 0)
        t = os.open(a.target, flags | os.O_TRUNC, 0o644)
        os.close(t)
        s = os.open(a.target + ".src", flags | os.O_TRUNC, 0o644)
        os.pwrite(s, blob, 0)
        os.close(s)
    where = 0
    tf = os.open(paths[where], os.O_RDWR)
    src_t = os.open(paths[where] + ".src", os.O_RDWR)
    history = []
    counts = {}
    checks = {"ranges": 0, "full": 0}
    started = time.monotonic()

    def fail(msg):
        print(json.dumps({"mismatch": msg, "seed": a.seed, "step": len(history), "on": paths[where], "history": history[-20:], "counts": counts}))
        sys.exit(1)

    def check_size():
        st, sm = os.fstat(tf).st_size, os.fstat(mf).st_size
        if st != sm:
            fail("size %d != model %d" % (st, sm))
        return sm

    def check_range(off, n):
        if n <= 0:
            return
        x, y = pread_all(tf, n, off), pread_all(mf, n, off)
        checks["ranges"] += 1
        if x != y:
            at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
            fail("range %d+%d differs at %d (read %d bytes, model %d)" % (off, n, off + at, len(x), len(y)))

    def check_full():
        size = check_size()
        checks["full"] += 1
        step = 4 << 20
        for off in range(0, size, step):
            check_range(off, min(step, size - off))

    if a.resume:
        check_full()

    for i in range(a.ops):
        size = os.fstat(mf).st_size
        r = rnd.random()
        off = rnd.randrange(0, max(size, 1) + (64 << 10))
        n = rnd.choice([1, rnd.randrange(1, 4096), rnd.randrange(1, 256 << 10), rnd.randrange(1, 2 << 20)])
        off = min(off, max_size - 1)
        n = max(1, min(n, max_size - off))
        touched = (off, n)
        if r < 0.33:
            op = "write"
            data = rnd.randbytes(n)
            os.pwrite(tf, data, off)
            os.pwrite(mf, data, off)
        elif r < 0.45:
            op = "read"
            if pread_all(tf, n, off) != pread_all(mf, n, off):
                history.append((op, off, n))
                fail("read %d+%d differs" % (off, n))
        elif r < 0.52:
            op = "mmap_read"
            if size > 0:
                with mmap.mmap(tf, size, prot=mmap.PROT_READ) as x, mmap.mmap(mf, size, prot=mmap.PROT_READ) as y:
                    o = min(off, size - 1)
                    if x[o:o + n] != y[o:o + n]:
                        history.append((op, o, n))
                        fail("mapped read %d+%d differs" % (o, n))
        elif r < 0.62:
            op = "truncate"
            length = rnd.choice([0, rnd.randrange(0, max_size), max(0, size - rnd.randrange(0, 8192)), size + rnd.randrange(0, 1 << 20)])
            length = min(length, max_size)
            os.ftruncate(tf, length)
            os.ftruncate(mf, length)
            # The bytes around the new end: what was cut must read as zeros if the file grows again.
            off, n = max(0, length - 4096), 8192
            touched = (off, n)
        elif r < 0.76:
            mode = rnd.choice([0, KEEP_SIZE, PUNCH_HOLE | KEEP_SIZE, ZERO_RANGE, ZERO_RANGE | KEEP_SIZE])
            op = "fallocate:%d" % mode
            fallocate(tf, mode, off, n)
            fallocate(mf, mode, off, n)
        elif r < 0.9:
            op = "copy_file_range"
            if rnd.random() < 0.5 and size > 0:
                src_off = rnd.randrange(0, size)
                n = min(n, size - src_off)
                # Non-overlapping ranges of one file (overlapping ones are EINVAL).
                if off < src_off + n and src_off < off + n:
                    off = src_off + n
                off = min(off, max_size - n) if n < max_size else 0
                if off < src_off + n and src_off < off + n:
                    op = "skip"
                else:
                    x = os.copy_file_range(tf, tf, n, src_off, off)
                    y = os.copy_file_range(mf, mf, n, src_off, off)
                    if x != y:
                        fail("copy_file_range copied %d, model %d" % (x, y))
            else:
                op = "copy_file_range:src"
                src_off = rnd.randrange(0, SRC_SIZE)
                x = os.copy_file_range(src_t, tf, n, src_off, off)
                y = os.copy_file_range(src_m, mf, n, src_off, off)
                if x != y:
                    fail("copy_file_range copied %d, model %d" % (x, y))
            touched = (off, n)
        elif r < 0.95:
            op = "fsync"
            os.fsync(tf)
            touched = (0, 0)
        else:
            # Close, and open again: on the other mount when there are two (close-to-open).
            where = rnd.randrange(len(paths))
            op = "reopen:%d" % where
            os.close(tf)
            os.close(src_t)
            tf = os.open(paths[where], os.O_RDWR)
            src_t = os.open(paths[where] + ".src", os.O_RDWR)
            touched = (rnd.randrange(0, max(size, 1)), 64 << 10)
        name = op.split(":")[0]
        counts[name] = counts.get(name, 0) + 1
        history.append((op, off, n))
        check_size()
        check_range(*touched)
        if (i + 1) % a.full_every == 0:
            check_full()
        if (i + 1) % 1000 == 0:
            print("%d ops, %.0f s" % (i + 1, time.monotonic() - started), file=sys.stderr, flush=True)
    check_full()
    final = os.fstat(mf).st_size
    for fd in (tf, mf, src_t, src_m):
        os.close(fd)
    print(json.dumps({"ok": a.ops, "seed": a.seed, "size": final, "seconds": round(time.monotonic() - started, 1), "checks": checks, "counts": counts}))


main()
