#!/usr/bin/env python3
"""Random-operation data-integrity exerciser (fsx-style): applies the same random
operation to a file under test and to a model file on a trusted file system,
and checks the file under test against the model after every step.

Operations: write, read, mapped read, truncate, fallocate (extend, keep size,
punch hole, zero range), copy_file_range (within the file and from a second
file), fsync, close and reopen.

Usage: exerciser.py <target> <model> <ops> <seed> [max_size]
Prints a JSON summary; exits 1 at the first mismatch (with the op history tail).
"""
import json
import mmap
import os
import random
import sys
import ctypes
import ctypes.util

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE = 1, 2, 16


def fallocate(fd, mode, off, n):
    if libc.fallocate(fd, mode, off, n) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def read_all(fd, size):
    out = b""
    while len(out) < size:
        chunk = os.pread(fd, size - len(out), len(out))
        if not chunk:
            break
        out += chunk
    return out


def main():
    target, model, nops, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    max_size = int(sys.argv[5]) if len(sys.argv) > 5 else 8 << 20
    rnd = random.Random(seed)
    flags = os.O_RDWR | os.O_CREAT
    tf = os.open(target, flags, 0o644)
    mf = os.open(model, flags, 0o644)
    # A second source file for copies between files.
    src_t = os.open(target + ".src", flags, 0o644)
    src_m = os.open(model + ".src", flags, 0o644)
    blob = rnd.randbytes(1 << 20)
    os.pwrite(src_t, blob, 0)
    os.pwrite(src_m, blob, 0)
    history = []
    counts = {}

    def fail(msg):
        print(json.dumps({"mismatch": msg, "seed": seed, "history": history[-20:], "counts": counts}))
        sys.exit(1)

    def check(full):
        st, sm = os.fstat(tf).st_size, os.fstat(mf).st_size
        if st != sm:
            fail("size %d != model %d" % (st, sm))
        if full:
            a, b = read_all(tf, st), read_all(mf, sm)
            if a != b:
                at = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if len(a) == len(b) else -1
                fail("content differs at %d" % at)

    for i in range(nops):
        size = os.fstat(mf).st_size
        r = rnd.random()
        off = rnd.randrange(0, max(size, 1) + (64 << 10))
        n = rnd.choice([1, rnd.randrange(1, 4096), rnd.randrange(1, 256 << 10)])
        off = min(off, max_size - 1)
        n = max(1, min(n, max_size - off))
        if r < 0.35:
            op = "write"
            data = rnd.randbytes(n)
            os.pwrite(tf, data, off)
            os.pwrite(mf, data, off)
        elif r < 0.5:
            op = "read"
            if os.pread(tf, n, off) != os.pread(mf, n, off):
                history.append((op, off, n))
                fail("read %d+%d differs" % (off, n))
        elif r < 0.55:
            op = "mmap_read"
            if size > 0:
                with mmap.mmap(tf, size, prot=mmap.PROT_READ) as a, mmap.mmap(mf, size, prot=mmap.PROT_READ) as b:
                    o = min(off, size - 1)
                    if a[o:o + n] != b[o:o + n]:
                        history.append((op, o, n))
                        fail("mapped read %d+%d differs" % (o, n))
        elif r < 0.65:
            op = "truncate"
            length = rnd.choice([0, rnd.randrange(0, max_size), max(0, size - rnd.randrange(0, 8192)), size + rnd.randrange(0, 1 << 20)])
            length = min(length, max_size)
            os.ftruncate(tf, length)
            os.ftruncate(mf, length)
            off, n = length, 0
        elif r < 0.78:
            mode = rnd.choice([0, KEEP_SIZE, PUNCH_HOLE | KEEP_SIZE, ZERO_RANGE, ZERO_RANGE | KEEP_SIZE])
            op = "fallocate:%d" % mode
            fallocate(tf, mode, off, n)
            fallocate(mf, mode, off, n)
        elif r < 0.9:
            op = "copy_file_range"
            if rnd.random() < 0.5 and size > 0:
                src_off = rnd.randrange(0, size)
                n = min(n, size - src_off)
                # non-overlapping ranges of one file
                if off < src_off + n and src_off < off + n:
                    off = src_off + n
                off = min(off, max_size - n) if n < max_size else 0
                if off < src_off + n and src_off < off + n:
                    op = "skip"
                else:
                    a = os.copy_file_range(tf, tf, n, src_off, off)
                    b = os.copy_file_range(mf, mf, n, src_off, off)
                    if a != b:
                        fail("copy_file_range copied %d, model %d" % (a, b))
            else:
                src_off = rnd.randrange(0, 1 << 20)
                a = os.copy_file_range(src_t, tf, n, src_off, off)
                b = os.copy_file_range(src_m, mf, n, src_off, off)
                if a != b:
                    fail("copy_file_range copied %d, model %d" % (a, b))
        elif r < 0.95:
            op = "fsync"
            os.fsync(tf)
        else:
            op = "reopen"
            os.close(tf)
            tf = os.open(target, os.O_RDWR)
        counts[op.split(":")[0]] = counts.get(op.split(":")[0], 0) + 1
        history.append((op, off, n))
        check(full=(i % 50 == 49))
    check(full=True)
    os.close(tf)
    os.close(mf)
    os.close(src_t)
    os.close(src_m)
    print(json.dumps({"ok": nops, "seed": seed, "size": os.stat(model).st_size, "counts": counts}))


main()
