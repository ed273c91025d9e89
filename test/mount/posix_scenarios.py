#!/usr/bin/env python3
"""POSIX scenarios over the syscall families, run in a directory of the file
system under test. Prints one JSON object: scenario name -> list of outcomes
(an errno name, "ok", or normalised stat fields; time checks as booleans
computed within the scenario). The mount test runs this in a tmpfs and in
the fsmeta mount and requires identical output: tmpfs is the reference.

Usage: posix_scenarios.py <dir> [name-substring]  (run as root)
"""
import ctypes
import ctypes.util
import errno
import json
import os
import socket
import stat
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
AT_FDCWD = -100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
# Time checks sleep past fsmeta's skip-dir-mtime window (100 ms) and any clock granularity.
TICK = 0.12

U1, U2 = 65534, 65533
G1, G2 = 65534, 65533


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def renameat2(a, b, flags):
    _check(libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), ctypes.c_uint(flags)))


def utimensat(path, atime, mtime, nofollow=False):
    def ts(v):
        if v == "now":
            return Timespec(0, UTIME_NOW)
        if v == "omit":
            return Timespec(0, UTIME_OMIT)
        return Timespec(v[0], v[1])
    times = (Timespec * 2)(ts(atime), ts(mtime))
    _check(libc.utimensat(AT_FDCWD, path.encode(), times, 0x100 if nofollow else 0))


def fallocate(fd, mode, off, n):
    _check(libc.fallocate(fd, mode, off, n))


def norm(st):
    return {"type": stat.S_IFMT(st.st_mode), "perm": oct(stat.S_IMODE(st.st_mode)), "uid": st.st_uid,
            "gid": st.st_gid, "nlink": st.st_nlink, "size": st.st_size if not stat.S_ISDIR(st.st_mode) else -1,
            "rdev": st.st_rdev}


def outcome(fn, *args):
    try:
        r = fn(*args)
        if isinstance(r, os.stat_result):
            return norm(r)
        if isinstance(r, (bytes, str, int, list, bool)) and not isinstance(r, bool) and fn is not os.open:
            return r if not isinstance(r, bytes) else r.decode("latin1")
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def as_user(uid, gids, fn, *args):
    """Runs fn(*args) in a child with uid / groups (first group is the gid); returns its outcome."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups(gids)
            os.setgid(gids[0])
            os.setuid(uid)
            res = outcome(fn, *args)
        except BaseException as e:  # noqa
            res = "child failed: %r" % (e,)
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data)


class Rec:
    def __init__(self):
        self.out = []

    def do(self, fn, *args):
        self.out.append(outcome(fn, *args))

    def user(self, uid, gids, fn, *args):
        self.out.append(as_user(uid, gids, fn, *args))

    def st(self, path, follow=False):
        self.out.append(outcome(os.stat if follow else os.lstat, path))

    def note(self, v):
        self.out.append(v)


def times(path):
    st = os.lstat(path)
    return (st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns)


def changed(before, after):
    """Which of atime, mtime, ctime moved."""
    return ["a" if after[0] != before[0] else "", "m" if after[1] != before[1] else "", "c" if after[2] != before[2] else ""]


def make(kind, path, mode=0o644):
    if kind == "regular":
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode))
    elif kind == "dir":
        os.mkdir(path, mode)
    elif kind == "fifo":
        os.mkfifo(path, mode)
    elif kind == "block":
        os.mknod(path, stat.S_IFBLK | mode, os.makedev(1, 2))
    elif kind == "char":
        os.mknod(path, stat.S_IFCHR | mode, os.makedev(1, 2))
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.close()
        os.chmod(path, mode)
    elif kind == "symlink":
        os.symlink("target", path)


KINDS = ["regular", "dir", "fifo", "block", "char", "socket", "symlink"]
NONDIR = ["regular", "fifo", "block", "char", "socket", "symlink"]

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def chown_to(path, uid, gid):
    os.chown(path, uid, gid)


# ---- create / open ----

@scenario
def open_create_modes(d, r):
    for umask, mode in [(0, 0o755), (0o022, 0o777), (0o077, 0o640), (0, 0o4755), (0, 0o1777)]:
        os.umask(umask)
        p = f"{d}/f{mode:o}{umask:o}"
        r.do(lambda: os.close(os.open(p, os.O_CREAT | os.O_WRONLY, mode)))
        r.st(p)
    os.umask(0)


@scenario
def open_create_times(d, r):
    b = times(d)
    time.sleep(TICK)
    r.do(lambda: os.close(os.open(f"{d}/f", os.O_CREAT | os.O_RDWR, 0o644)))
    r.note(changed(b, times(d)))
    os.truncate(f"{d}/f", 10)
    b = times(f"{d}/f")
    time.sleep(TICK)
    r.do(lambda: os.close(os.open(f"{d}/f", os.O_WRONLY | os.O_TRUNC)))
    r.note(changed(b, times(f"{d}/f")))
    r.st(f"{d}/f")
    # O_TRUNC of an empty file, O_CREAT of an existing one: nothing to change
    b = times(f"{d}/f")
    time.sleep(TICK)
    r.do(lambda: os.close(os.open(f"{d}/f", os.O_CREAT | os.O_RDWR, 0o600)))
    r.note(changed(b, times(f"{d}/f"))[1:])
    r.st(f"{d}/f")


@scenario
def open_errors(d, r):
    make("regular", f"{d}/f")
    make("dir", f"{d}/dir", 0o755)
    os.symlink("loop2", f"{d}/loop1")
    os.symlink("loop1", f"{d}/loop2")
    os.symlink("f", f"{d}/lf")
    r.do(os.open, f"{d}/f", os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
    r.do(os.open, f"{d}/dir", os.O_WRONLY)
    r.do(os.open, f"{d}/dir", os.O_RDWR)
    r.do(lambda: os.close(os.open(f"{d}/dir", os.O_RDONLY)))
    r.do(os.open, f"{d}/f/x", os.O_RDONLY)
    r.do(os.open, f"{d}/f/x", os.O_CREAT | os.O_RDWR, 0o644)
    r.do(os.open, f"{d}/none/x", os.O_CREAT | os.O_RDWR, 0o644)
    r.do(os.open, f"{d}/none", os.O_RDONLY)
    r.do(os.open, f"{d}/loop1", os.O_RDONLY)
    r.do(os.open, f"{d}/loop1", os.O_CREAT | os.O_RDWR, 0o644)
    r.do(os.open, f"{d}/lf", os.O_RDONLY | os.O_NOFOLLOW)
    r.do(os.open, f"{d}/f", os.O_RDONLY | os.O_DIRECTORY)
    r.do(os.open, f"{d}/" + "x" * 255, os.O_CREAT | os.O_RDWR, 0o644)
    r.do(os.open, f"{d}/" + "x" * 256, os.O_CREAT | os.O_RDWR, 0o644)
    r.do(os.open, f"{d}/" + "y" * 256, os.O_RDONLY)
    r.do(os.open, f"{d}/" + "a/" * 2100, os.O_RDONLY)
    os.mkfifo(f"{d}/fifo")
    r.do(os.open, f"{d}/fifo", os.O_WRONLY | os.O_NONBLOCK)
    r.do(lambda: os.close(os.open(f"{d}/fifo", os.O_RDONLY | os.O_NONBLOCK)))
    # a UNIX-domain socket cannot be opened (Linux: ENXIO), whatever the access mode
    make("socket", f"{d}/sock")
    for flags in [os.O_RDONLY, os.O_WRONLY, os.O_RDWR]:
        r.do(os.open, f"{d}/sock", flags)


@scenario
def open_permissions(d, r):
    os.chmod(d, 0o777)
    for mode in [0o600, 0o060, 0o006, 0o444, 0o222, 0o000]:
        p = f"{d}/f{mode:o}"
        make("regular", p, mode)
        os.chown(p, U1, G1)
        os.chmod(p, mode)
        for uid, gids in [(U1, [G1]), (U2, [G1]), (U2, [G2, G1]), (U2, [G2])]:
            for flags in [os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_RDONLY | os.O_TRUNC]:
                r.user(uid, gids, lambda p=p, flags=flags: os.close(os.open(p, flags)))
    # search permission on the parent
    os.mkdir(f"{d}/sub", 0o755)
    make("regular", f"{d}/sub/f", 0o644)
    for mode in [0o755, 0o644, 0o711, 0o700]:
        os.chmod(f"{d}/sub", mode)
        r.user(U1, [G1], lambda: os.close(os.open(f"{d}/sub/f", os.O_RDONLY)))
        r.user(U1, [G1], lambda: os.close(os.open(f"{d}/sub/g", os.O_CREAT | os.O_RDWR, 0o644)))
        r.user(U1, [G1], os.listdir, f"{d}/sub")
    os.chmod(f"{d}/sub", 0o777)
    r.user(U1, [G1], lambda: os.close(os.open(f"{d}/sub/h", os.O_CREAT | os.O_RDWR, 0o640)))
    r.st(f"{d}/sub/h")


@scenario
def open_setgid_dir(d, r):
    os.chmod(d, 0o777)
    os.mkdir(f"{d}/sg", 0o2777)
    os.chown(f"{d}/sg", 0, G2)
    os.chmod(f"{d}/sg", 0o2777)
    r.user(U1, [G1], lambda: os.close(os.open(f"{d}/sg/f", os.O_CREAT | os.O_RDWR, 0o2755)))
    r.st(f"{d}/sg/f")
    r.user(U1, [G1], os.mkdir, f"{d}/sg/sub", 0o755)
    r.st(f"{d}/sg/sub")
    r.user(U1, [G1], os.mkfifo, f"{d}/sg/fifo", 0o644)
    r.st(f"{d}/sg/fifo")


# ---- mkdir / rmdir ----

@scenario
def mkdir_basic(d, r):
    for umask, mode in [(0, 0o755), (0o022, 0o777), (0, 0o1777), (0, 0o2755), (0o077, 0o755)]:
        os.umask(umask)
        p = f"{d}/d{mode:o}{umask:o}"
        r.do(os.mkdir, p, mode)
        r.st(p)
    os.umask(0)
    b = times(d)
    time.sleep(TICK)
    r.do(os.mkdir, f"{d}/x", 0o755)
    r.note(changed(b, times(d)))
    r.st(d)
    r.do(os.mkdir, f"{d}/x", 0o755)
    make("regular", f"{d}/f")
    r.do(os.mkdir, f"{d}/f", 0o755)
    r.do(os.mkdir, f"{d}/f/x", 0o755)
    r.do(os.mkdir, f"{d}/none/x", 0o755)
    r.do(os.mkdir, f"{d}/" + "x" * 256, 0o755)
    r.do(os.mkdir, f"{d}/" + "x" * 255, 0o755)
    os.symlink("x", f"{d}/lx")
    r.do(os.mkdir, f"{d}/lx", 0o755)
    os.chmod(f"{d}/x", 0o555)
    r.user(U1, [G1], os.mkdir, f"{d}/x/y", 0o755)
    os.chmod(f"{d}/x", 0o777)
    r.user(U1, [G1], os.mkdir, f"{d}/x/y", 0o755)
    r.st(f"{d}/x/y")
    r.st(f"{d}/x")


@scenario
def rmdir_basic(d, r):
    os.mkdir(f"{d}/a")
    os.mkdir(f"{d}/a/b")
    make("regular", f"{d}/f")
    r.do(os.rmdir, f"{d}/a")
    r.do(os.rmdir, f"{d}/f")
    r.do(os.rmdir, f"{d}/none")
    r.do(os.rmdir, f"{d}/f/x")
    r.do(os.rmdir, f"{d}/a/b/.")
    r.do(os.rmdir, f"{d}/a/b/..")
    r.do(os.rmdir, f"{d}/a/.")
    b = times(f"{d}/a")
    time.sleep(TICK)
    r.do(os.rmdir, f"{d}/a/b")
    r.note(changed(b, times(f"{d}/a")))
    r.st(f"{d}/a")
    r.do(os.rmdir, f"{d}/a")
    r.do(os.rmdir, f"{d}/" + "x" * 256)
    os.symlink("a", f"{d}/la")
    r.do(os.rmdir, f"{d}/la")
    # sticky directory
    os.mkdir(f"{d}/st", 0o1777)
    os.chmod(f"{d}/st", 0o1777)
    for owner in [U1, U2]:
        os.mkdir(f"{d}/st/s{owner}")
        os.chown(f"{d}/st/s{owner}", owner, G1)
    r.user(U1, [G1], os.rmdir, f"{d}/st/s{U2}")
    r.user(U1, [G1], os.rmdir, f"{d}/st/s{U1}")
    os.chown(f"{d}/st", U2, G1)
    r.user(U2, [G1], os.rmdir, f"{d}/st/s{U2}")
    # no write permission on the parent
    os.mkdir(f"{d}/ro", 0o755)
    os.mkdir(f"{d}/ro/x")
    r.user(U1, [G1], os.rmdir, f"{d}/ro/x")


# ---- unlink ----

@scenario
def unlink_basic(d, r):
    for k in NONDIR:
        make(k, f"{d}/{k}")
        b = times(d)
        time.sleep(TICK)
        r.do(os.unlink, f"{d}/{k}")
        r.note(changed(b, times(d)))
        r.do(os.lstat, f"{d}/{k}")
    os.mkdir(f"{d}/dir")
    r.do(os.unlink, f"{d}/dir")
    r.do(os.unlink, f"{d}/none")
    make("regular", f"{d}/f")
    r.do(os.unlink, f"{d}/f/x")
    r.do(os.unlink, f"{d}/" + "x" * 256)
    os.link(f"{d}/f", f"{d}/g")
    b = times(f"{d}/g")
    time.sleep(TICK)
    r.do(os.unlink, f"{d}/f")
    r.note(changed(b, times(f"{d}/g")))
    r.st(f"{d}/g")
    # open then unlink: still readable through the descriptor
    fd = os.open(f"{d}/g", os.O_RDWR)
    os.write(fd, b"data")
    r.do(os.unlink, f"{d}/g")
    r.note(os.pread(fd, 10, 0).decode())
    r.note(norm(os.fstat(fd))["nlink"])
    os.close(fd)
    # sticky
    os.mkdir(f"{d}/st", 0o1777)
    os.chmod(f"{d}/st", 0o1777)
    for owner in [U1, U2]:
        make("regular", f"{d}/st/f{owner}")
        os.chown(f"{d}/st/f{owner}", owner, G1)
    r.user(U1, [G1], os.unlink, f"{d}/st/f{U2}")
    r.user(U1, [G1], os.unlink, f"{d}/st/f{U1}")
    os.chmod(f"{d}/st", 0o777)
    r.user(U1, [G1], os.unlink, f"{d}/st/f{U2}")
    os.mkdir(f"{d}/ro", 0o755)
    make("regular", f"{d}/ro/x")
    r.user(U1, [G1], os.unlink, f"{d}/ro/x")
    os.chmod(f"{d}/ro", 0o733)
    r.user(U1, [G1], os.unlink, f"{d}/ro/x")


# ---- link ----

@scenario
def link_basic(d, r):
    for k in ["regular", "fifo", "block", "char", "socket", "symlink"]:
        make(k, f"{d}/{k}")
        b = times(f"{d}/{k}")
        bd = times(d)
        time.sleep(TICK)
        r.do(lambda k=k: os.link(f"{d}/{k}", f"{d}/{k}.l", follow_symlinks=False))
        r.note(changed(b, times(f"{d}/{k}")))
        r.note(changed(bd, times(d)))
        r.st(f"{d}/{k}")
        r.st(f"{d}/{k}.l")
        r.do(os.unlink, f"{d}/{k}")
        r.st(f"{d}/{k}.l")
    os.mkdir(f"{d}/dir")
    r.do(os.link, f"{d}/dir", f"{d}/dir.l")
    make("regular", f"{d}/f")
    r.do(os.link, f"{d}/f", f"{d}/f")
    r.do(os.link, f"{d}/f", f"{d}/dir")
    r.do(os.link, f"{d}/none", f"{d}/x")
    r.do(os.link, f"{d}/f", f"{d}/none/x")
    r.do(os.link, f"{d}/f", f"{d}/f/x")
    r.do(os.link, f"{d}/f", f"{d}/" + "x" * 256)
    os.mkdir(f"{d}/ro", 0o755)
    r.user(U1, [G1], os.link, f"{d}/f", f"{d}/ro/x")
    os.chmod(d, 0o777)
    os.chown(f"{d}/f", U2, G2)
    r.user(U1, [G1], os.link, f"{d}/f", f"{d}/byother")
    r.st(f"{d}/f")


# ---- symlink / readlink ----

@scenario
def symlink_basic(d, r):
    b = times(d)
    time.sleep(TICK)
    r.do(os.symlink, "some/target", f"{d}/s")
    r.note(changed(b, times(d)))
    r.st(f"{d}/s")
    r.do(os.readlink, f"{d}/s")
    r.do(os.symlink, "x", f"{d}/s")
    r.do(os.symlink, "t" * 1023, f"{d}/long")
    r.do(os.readlink, f"{d}/long")
    r.do(os.symlink, "t" * 4095, f"{d}/longer")
    r.do(os.symlink, "t" * 4096, f"{d}/toolong")
    r.do(os.symlink, "x", f"{d}/" + "x" * 256)
    r.do(os.symlink, "x", f"{d}/none/x")
    make("regular", f"{d}/f")
    r.do(os.readlink, f"{d}/f")
    r.do(os.readlink, f"{d}/none")
    os.symlink("f", f"{d}/lf")
    r.st(f"{d}/lf", follow=True)
    os.symlink("d2/../f", f"{d}/rel")
    os.mkdir(f"{d}/d2")
    r.st(f"{d}/rel", follow=True)
    os.symlink(f"{d}/f", f"{d}/abs")
    r.st(f"{d}/abs", follow=True)
    os.mkdir(f"{d}/ro", 0o755)
    r.user(U1, [G1], os.symlink, "x", f"{d}/ro/x")
    os.chmod(d, 0o777)
    r.user(U1, [G1], os.symlink, "x", f"{d}/mine")
    r.st(f"{d}/mine")
    # a chain of 40 links resolves; 41 is ELOOP
    prev = "f"
    for i in range(41):
        os.symlink(prev, f"{d}/c{i}")
        prev = f"c{i}"
    r.st(f"{d}/c39", follow=True)
    r.st(f"{d}/c40", follow=True)


# ---- rename ----

@scenario
def rename_basic(d, r):
    for k in KINDS:
        make(k, f"{d}/{k}")
        ino = os.lstat(f"{d}/{k}").st_ino
        b = times(f"{d}/{k}")
        time.sleep(TICK)
        r.do(os.rename, f"{d}/{k}", f"{d}/{k}.new")
        r.note(os.lstat(f"{d}/{k}.new").st_ino == ino)
        r.note(changed(b, times(f"{d}/{k}.new"))[1:])
        r.do(os.lstat, f"{d}/{k}")
    # over existing targets
    make("regular", f"{d}/a")
    make("regular", f"{d}/b")
    os.link(f"{d}/b", f"{d}/b2")
    b = times(f"{d}/b2")
    time.sleep(TICK)
    r.do(os.rename, f"{d}/a", f"{d}/b")
    r.st(f"{d}/b2")
    # the replaced inode lost a link: its ctime moves
    r.note(changed(b, times(f"{d}/b2")))
    os.mkdir(f"{d}/da")
    os.mkdir(f"{d}/db")
    os.mkdir(f"{d}/dc")
    make("regular", f"{d}/dc/x")
    r.do(os.rename, f"{d}/da", f"{d}/db")
    r.do(os.rename, f"{d}/db", f"{d}/dc")
    r.do(os.rename, f"{d}/b", f"{d}/dc")
    r.do(os.rename, f"{d}/dc", f"{d}/b")
    r.do(os.rename, f"{d}/dc", f"{d}/dc/sub")
    os.mkdir(f"{d}/dc/sub")
    r.do(os.rename, f"{d}/dc", f"{d}/dc/sub/deeper")
    r.do(os.rename, f"{d}/dc/sub", f"{d}/sub")
    r.st(f"{d}/dc")
    r.st(f"{d}/sub")
    r.do(os.rename, f"{d}/none", f"{d}/x")
    r.do(os.rename, f"{d}/b", f"{d}/none/x")
    r.do(os.rename, f"{d}/b", f"{d}/b")
    r.do(os.rename, f"{d}/b", f"{d}/b2")
    r.st(f"{d}/b")
    r.do(os.rename, f"{d}/b/x", f"{d}/y")
    r.do(os.rename, f"{d}/b", f"{d}/" + "x" * 256)
    r.do(os.rename, f"{d}/sub", f"{d}/sub/.")
    r.do(os.rename, f"{d}/sub/.", f"{d}/y")
    r.do(os.rename, f"{d}/sub/..", f"{d}/y")
    # parent directory nlink and times
    os.mkdir(f"{d}/p1")
    os.mkdir(f"{d}/p2")
    os.mkdir(f"{d}/p1/m")
    b1, b2 = times(f"{d}/p1"), times(f"{d}/p2")
    time.sleep(TICK)
    r.do(os.rename, f"{d}/p1/m", f"{d}/p2/m")
    r.note(changed(b1, times(f"{d}/p1")))
    r.note(changed(b2, times(f"{d}/p2")))
    r.st(f"{d}/p1")
    r.st(f"{d}/p2")
    r.st(f"{d}/p2/m/..", follow=True)


@scenario
def rename_flags(d, r):
    make("regular", f"{d}/a")
    make("regular", f"{d}/b")
    os.mkdir(f"{d}/dir")
    r.do(renameat2, f"{d}/a", f"{d}/b", RENAME_NOREPLACE)
    r.do(renameat2, f"{d}/a", f"{d}/c", RENAME_NOREPLACE)
    r.do(renameat2, f"{d}/c", f"{d}/dir", RENAME_EXCHANGE)
    r.st(f"{d}/c")
    r.st(f"{d}/dir")
    r.do(renameat2, f"{d}/c", f"{d}/none", RENAME_EXCHANGE)
    r.do(renameat2, f"{d}/c", f"{d}/b", RENAME_EXCHANGE | RENAME_NOREPLACE)


@scenario
def rename_permissions(d, r):
    os.chmod(d, 0o777)
    os.mkdir(f"{d}/st", 0o1777)
    os.chmod(f"{d}/st", 0o1777)
    for owner in [U1, U2]:
        make("regular", f"{d}/st/f{owner}")
        os.chown(f"{d}/st/f{owner}", owner, G1)
        os.mkdir(f"{d}/st/d{owner}", 0o777)
        os.chown(f"{d}/st/d{owner}", owner, G1)
    r.user(U1, [G1], os.rename, f"{d}/st/f{U2}", f"{d}/st/x")
    r.user(U1, [G1], os.rename, f"{d}/st/f{U1}", f"{d}/st/f{U2}")
    r.user(U1, [G1], os.rename, f"{d}/st/f{U1}", f"{d}/st/y")
    r.user(U1, [G1], os.rename, f"{d}/st/d{U2}", f"{d}/st/z")
    # a directory moved to another parent needs write permission on it (its ..)
    os.mkdir(f"{d}/from", 0o777)
    os.mkdir(f"{d}/to", 0o777)
    os.mkdir(f"{d}/from/dd", 0o755)
    os.chown(f"{d}/from/dd", U2, G2)
    r.user(U1, [G1], os.rename, f"{d}/from/dd", f"{d}/to/dd")
    r.user(U1, [G1], os.rename, f"{d}/from/dd", f"{d}/from/ee")
    os.mkdir(f"{d}/ro", 0o755)
    make("regular", f"{d}/ro/f")
    r.user(U1, [G1], os.rename, f"{d}/ro/f", f"{d}/moved")


# ---- chmod ----

@scenario
def chmod_basic(d, r):
    for k in ["regular", "dir", "fifo", "block", "char", "socket"]:
        make(k, f"{d}/{k}")
        b = times(f"{d}/{k}")
        time.sleep(TICK)
        r.do(os.chmod, f"{d}/{k}", 0o4751)
        r.note(changed(b, times(f"{d}/{k}")))
        r.st(f"{d}/{k}")
    os.symlink("regular", f"{d}/ls")
    r.do(os.chmod, f"{d}/ls", 0o600)
    r.st(f"{d}/regular")
    r.do(os.chmod, f"{d}/none", 0o600)
    r.do(os.chmod, f"{d}/regular/x", 0o600)
    os.chmod(d, 0o777)
    make("regular", f"{d}/u")
    os.chown(f"{d}/u", U1, G1)
    r.user(U1, [G1], os.chmod, f"{d}/u", 0o640)
    r.user(U2, [G1], os.chmod, f"{d}/u", 0o600)
    r.st(f"{d}/u")
    # sticky on a file by non-root; setgid by someone not in the group
    r.user(U1, [G1], os.chmod, f"{d}/u", 0o1644)
    r.st(f"{d}/u")
    os.chown(f"{d}/u", U1, G2)
    r.user(U1, [G1], os.chmod, f"{d}/u", 0o2755)
    r.st(f"{d}/u")
    r.user(U1, [G1, G2], os.chmod, f"{d}/u", 0o2755)
    r.st(f"{d}/u")
    os.mkdir(f"{d}/ud")
    os.chown(f"{d}/ud", U1, G2)
    r.user(U1, [G1], os.chmod, f"{d}/ud", 0o2755)
    r.st(f"{d}/ud")
    # fchmod through a descriptor
    fd = os.open(f"{d}/regular", os.O_RDONLY)
    r.do(os.fchmod, fd, 0o600)
    os.close(fd)
    r.st(f"{d}/regular")


def write_and_fstat(path):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, b"x")
        return oct(stat.S_IMODE(os.fstat(fd).st_mode))
    finally:
        os.close(fd)


@scenario
def setid_on_write(d, r):
    """A write by a caller without CAP_FSETID (the owner too) drops set-user-ID, and set-group-ID
    when the group may execute or the writer is not in the file's group (file_remove_privs)."""
    os.chmod(d, 0o777)
    for owner, group in [(0, 0), (U1, G1), (U1, G2)]:
        for mode in [0o4777, 0o2777, 0o6777, 0o2767, 0o6766]:
            p = f"{d}/w{owner}-{group}-{mode:o}"
            make("regular", p)
            os.chown(p, owner, group)
            os.chmod(p, mode)
            r.user(U1, [G1], write_and_fstat, p)
            r.st(p)
    # truncate, ftruncate through O_TRUNC and chown(-1, -1) remove them the same way
    for i, op in enumerate([lambda p: os.truncate(p, 3), lambda p: os.close(os.open(p, os.O_WRONLY | os.O_TRUNC)),
                            lambda p: os.chown(p, -1, -1)]):
        for mode in [0o6777, 0o2767, 0o2777]:
            p = f"{d}/t{i}-{mode:o}"
            make("regular", p)
            os.chmod(p, mode)
            r.user(U1, [G1], op, p)
            r.st(p)


# ---- chown ----

@scenario
def chown_basic(d, r):
    for k in ["regular", "dir", "fifo", "block", "char", "socket", "symlink"]:
        make(k, f"{d}/{k}")
        b = times(f"{d}/{k}")
        time.sleep(TICK)
        r.do(os.lchown, f"{d}/{k}", 123, 456)
        r.note(changed(b, times(f"{d}/{k}")))
        r.st(f"{d}/{k}")
        b = times(f"{d}/{k}")
        time.sleep(TICK)
        r.do(os.lchown, f"{d}/{k}", -1, -1)
        r.note(changed(b, times(f"{d}/{k}")))
    os.symlink("regular", f"{d}/ls")
    r.do(os.chown, f"{d}/ls", 7, 8)
    r.st(f"{d}/regular")
    r.st(f"{d}/ls")
    r.do(os.chown, f"{d}/none", 1, 1)
    os.chmod(d, 0o777)
    make("regular", f"{d}/u")
    os.chown(f"{d}/u", U1, G1)
    r.user(U1, [G1], os.chown, f"{d}/u", U2, G1)
    r.user(U1, [G1], os.chown, f"{d}/u", U1, G2)
    r.user(U1, [G1, G2], os.chown, f"{d}/u", U1, G2)
    r.st(f"{d}/u")
    r.user(U1, [G1, G2], os.chown, f"{d}/u", -1, G1)
    r.user(U2, [G1, G2], os.chown, f"{d}/u", -1, G2)
    r.user(U1, [G1], os.chown, f"{d}/u", -1, -1)
    r.st(f"{d}/u")
    # set-id bits on chown
    for mode in [0o6555, 0o6545, 0o2755, 0o4755]:
        p = f"{d}/s{mode:o}"
        make("regular", p)
        os.chown(p, U1, G1)
        os.chmod(p, mode)
        r.do(os.chown, p, U2, G2)
        r.st(p)
        os.chmod(p, mode)
        r.user(U2, [G2, G1], os.chown, p, -1, G1)
        r.st(p)
        os.chmod(p, mode)
        r.do(os.chown, p, -1, -1)
        r.st(p)
    os.mkdir(f"{d}/sd", 0o6755)
    os.chmod(f"{d}/sd", 0o6755)
    r.do(os.chown, f"{d}/sd", U1, G1)
    r.st(f"{d}/sd")


# ---- truncate / ftruncate ----

@scenario
def truncate_basic(d, r):
    make("regular", f"{d}/f")
    b = times(f"{d}/f")
    time.sleep(TICK)
    r.do(os.truncate, f"{d}/f", 1234567)
    r.note(changed(b, times(f"{d}/f")))
    r.st(f"{d}/f")
    r.do(os.truncate, f"{d}/f", 567)
    r.st(f"{d}/f")
    b = times(f"{d}/f")
    time.sleep(TICK)
    r.do(os.truncate, f"{d}/f", 567)
    r.note(changed(b, times(f"{d}/f")))
    r.do(os.truncate, f"{d}/f", -1)
    os.mkdir(f"{d}/dir")
    r.do(os.truncate, f"{d}/dir", 0)
    r.do(os.truncate, f"{d}/none", 0)
    r.do(os.truncate, f"{d}/f/x", 0)
    os.mkfifo(f"{d}/fifo")
    r.do(os.truncate, f"{d}/fifo", 0)
    os.chmod(d, 0o777)
    os.chmod(f"{d}/f", 0o644)
    r.user(U1, [G1], os.truncate, f"{d}/f", 0)
    os.chmod(f"{d}/f", 0o666)
    r.user(U1, [G1], os.truncate, f"{d}/f", 0)
    r.st(f"{d}/f")
    # ftruncate
    fd = os.open(f"{d}/f", os.O_RDWR)
    r.do(os.ftruncate, fd, 100)
    r.do(os.ftruncate, fd, -1)
    os.close(fd)
    fd = os.open(f"{d}/f", os.O_RDONLY)
    r.do(os.ftruncate, fd, 0)
    os.close(fd)
    r.st(f"{d}/f")
    # an unprivileged user's descriptor outlives the mode
    r.user(U1, [G1], lambda: (lambda fd: (os.ftruncate(fd, 33), os.close(fd)))(os.open(f"{d}/own", os.O_CREAT | os.O_RDWR, 0)))
    r.st(f"{d}/own")
    make("regular", f"{d}/sx", 0o4755)
    os.chown(f"{d}/sx", U2, G2)
    os.chmod(f"{d}/sx", 0o6777)
    r.user(U1, [G1], os.truncate, f"{d}/sx", 10)
    r.st(f"{d}/sx")


# ---- utimensat ----

@scenario
def utimens_basic(d, r):
    make("regular", f"{d}/f")
    r.do(utimensat, f"{d}/f", [1000, 123456789], [2000, 987654321])
    st = os.stat(f"{d}/f")
    r.note([st.st_atime_ns, st.st_mtime_ns])
    r.do(utimensat, f"{d}/f", "omit", [3000, 5])
    st = os.stat(f"{d}/f")
    r.note([st.st_atime_ns, st.st_mtime_ns])
    b = times(f"{d}/f")
    time.sleep(TICK)
    r.do(utimensat, f"{d}/f", "omit", "omit")
    r.note(changed(b, times(f"{d}/f")))
    r.do(utimensat, f"{d}/f", "now", "omit")
    st = os.stat(f"{d}/f")
    r.note([st.st_atime_ns > 10**18, st.st_mtime_ns])
    os.chmod(d, 0o777)
    os.chown(f"{d}/f", U2, G2)
    for mode in [0o644, 0o666]:
        os.chmod(f"{d}/f", mode)
        r.user(U1, [G1], utimensat, f"{d}/f", "now", "now")
        r.user(U1, [G1], utimensat, f"{d}/f", [1, 0], [1, 0])
        r.user(U1, [G1], utimensat, f"{d}/f", "omit", "omit")
        r.user(U1, [G1], utimensat, f"{d}/f", "now", "omit")
        r.user(U1, [G1], utimensat, f"{d}/f", [5, 0], "omit")
    os.chown(f"{d}/f", U1, G1)
    os.chmod(f"{d}/f", 0o444)
    r.user(U1, [G1], utimensat, f"{d}/f", [7, 1], [8, 2])
    r.user(U1, [G1], utimensat, f"{d}/f", "now", "now")
    os.symlink("f", f"{d}/lf")
    r.do(utimensat, f"{d}/lf", [11, 0], [12, 0], True)
    st = os.lstat(f"{d}/lf")
    r.note([st.st_atime_ns, st.st_mtime_ns])
    r.do(utimensat, f"{d}/none", "now", "now")


# ---- mknod / mkfifo ----

@scenario
def mknod_basic(d, r):
    for name, t, mode in [("fifo", stat.S_IFIFO, 0o644), ("chr", stat.S_IFCHR, 0o640), ("blk", stat.S_IFBLK, 0o600), ("reg", stat.S_IFREG, 0o644), ("sock", stat.S_IFSOCK, 0o755)]:
        b = times(d)
        time.sleep(TICK)
        r.do(os.mknod, f"{d}/{name}", t | mode, os.makedev(13, 7))
        r.note(changed(b, times(d)))
        r.st(f"{d}/{name}")
    r.do(os.mknod, f"{d}/fifo", stat.S_IFIFO | 0o644)
    r.do(os.mknod, f"{d}/none/x", stat.S_IFIFO | 0o644)
    r.do(os.mknod, f"{d}/" + "x" * 256, stat.S_IFIFO | 0o644)
    os.chmod(d, 0o777)
    r.user(U1, [G1], os.mknod, f"{d}/uchr", stat.S_IFCHR | 0o644, os.makedev(1, 2))
    r.user(U1, [G1], os.mkfifo, f"{d}/ufifo", 0o640)
    r.st(f"{d}/ufifo")
    os.umask(0o027)
    r.do(os.mkfifo, f"{d}/masked", 0o777)
    os.umask(0)
    r.st(f"{d}/masked")
    # a FIFO works through the mount
    os.mkfifo(f"{d}/pipe")
    pid = os.fork()
    if pid == 0:
        fd = os.open(f"{d}/pipe", os.O_WRONLY)
        os.write(fd, b"through the fifo")
        os._exit(0)
    fd = os.open(f"{d}/pipe", os.O_RDONLY)
    r.note(os.read(fd, 100).decode())
    os.close(fd)
    os.waitpid(pid, 0)


# ---- xattrs ----

@scenario
def xattr_basic(d, r):
    make("regular", f"{d}/f")
    r.do(os.setxattr, f"{d}/f", "user.a", b"one")
    r.do(os.getxattr, f"{d}/f", "user.a")
    r.do(os.setxattr, f"{d}/f", "user.a", b"two", os.XATTR_CREATE)
    r.do(os.setxattr, f"{d}/f", "user.b", b"x", os.XATTR_REPLACE)
    r.do(os.setxattr, f"{d}/f", "user.b", b"", 0)
    r.do(os.getxattr, f"{d}/f", "user.b")
    r.note(sorted(os.listxattr(f"{d}/f")))
    r.do(os.removexattr, f"{d}/f", "user.a")
    r.do(os.removexattr, f"{d}/f", "user.a")
    r.do(os.getxattr, f"{d}/f", "user.none")
    r.do(os.setxattr, f"{d}/f", "user." + "n" * 250, b"v")
    r.do(os.setxattr, f"{d}/f", "trusted.t", b"v")
    r.do(os.getxattr, f"{d}/f", "trusted.t")
    os.chmod(d, 0o777)
    os.chmod(f"{d}/f", 0o644)
    r.user(U1, [G1], os.getxattr, f"{d}/f", "user.b")
    r.user(U1, [G1], os.setxattr, f"{d}/f", "user.c", b"v")
    r.user(U1, [G1], os.getxattr, f"{d}/f", "trusted.t")
    os.chmod(f"{d}/f", 0o600)
    r.user(U1, [G1], os.getxattr, f"{d}/f", "user.b")


# ---- data ----

@scenario
def data_basic(d, r):
    fd = os.open(f"{d}/f", os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b"hello world")
    os.pwrite(fd, b"X", 20)
    r.note(os.pread(fd, 100, 0).hex())
    os.ftruncate(fd, 5)
    r.note(os.pread(fd, 100, 0).hex())
    os.ftruncate(fd, 8)
    r.note(os.pread(fd, 100, 0).hex())
    fallocate(fd, 0, 0, 100)
    r.note(os.fstat(fd).st_size)
    os.pwrite(fd, b"A" * 100, 0)
    fallocate(fd, 3, 10, 20)
    r.note(os.pread(fd, 100, 0).hex())
    r.do(fallocate, fd, 2, 10, 20)
    r.note(os.copy_file_range(fd, fd, 10, 0, 200))
    r.note(os.pread(fd, 300, 0).hex())
    os.close(fd)
    fd = os.open(f"{d}/f", os.O_WRONLY | os.O_APPEND)
    os.write(fd, b"tail")
    os.close(fd)
    r.note(open(f"{d}/f", "rb").read()[-10:].hex())


@scenario
def edges(d, r):
    make("regular", f"{d}/f")
    r.do(os.truncate, f"{d}/f", 999999999999999)
    r.do(os.truncate, f"{d}/f", 1 << 40)
    r.st(f"{d}/f")
    r.do(utimensat, f"{d}/f", [2147483648, 0], [4294967296, 0])
    st = os.stat(f"{d}/f")
    r.note([st.st_atime_ns, st.st_mtime_ns])
    r.do(utimensat, f"{d}/f", [100000000, 5], [200000000, 999999999])
    st = os.stat(f"{d}/f")
    r.note([st.st_atime_ns, st.st_mtime_ns])
    # directory link counts
    os.mkdir(f"{d}/p")
    for i in range(3):
        os.mkdir(f"{d}/p/s{i}")
    r.st(f"{d}/p")
    os.rmdir(f"{d}/p/s0")
    r.st(f"{d}/p")
    os.rename(f"{d}/p/s1", f"{d}/s1")
    r.st(f"{d}/p")
    r.st(d)
    # a running program cannot be opened for writing
    import shutil
    import subprocess
    shutil.copy("/bin/sleep", f"{d}/prog")
    os.chmod(f"{d}/prog", 0o755)
    proc = subprocess.Popen([f"{d}/prog", "5"])
    time.sleep(0.5)
    r.do(os.open, f"{d}/prog", os.O_WRONLY)
    proc.kill()
    proc.wait()
    # sockets: bind creates, connect needs a listener
    s = socket.socket(socket.AF_UNIX)
    s.bind(f"{d}/sock")
    s.listen(1)
    c = socket.socket(socket.AF_UNIX)
    r.do(c.connect, f"{d}/sock")
    c.close()
    s.close()
    r.st(f"{d}/sock")
    c = socket.socket(socket.AF_UNIX)
    r.do(c.connect, f"{d}/f")
    c.close()
    # posix_fallocate on a fifo and a directory descriptor
    os.mkfifo(f"{d}/fifo")
    fd = os.open(f"{d}/fifo", os.O_RDWR)
    r.do(os.posix_fallocate, fd, 0, 10)
    os.close(fd)
    fd = os.open(f"{d}/f", os.O_RDONLY)
    r.do(os.posix_fallocate, fd, 0, 10)
    os.close(fd)
    fd = os.open(f"{d}/f", os.O_RDWR)
    r.do(os.posix_fallocate, fd, 0, 1 << 20)
    r.do(os.posix_fallocate, fd, -1, 10)
    r.do(os.posix_fallocate, fd, 0, 0)
    os.close(fd)
    r.st(f"{d}/f")
    # path lookups through non-directories, dot-dot, long names in the middle
    r.do(os.lstat, f"{d}/f/.")
    r.do(os.lstat, f"{d}/p/../f")
    r.do(os.lstat, f"{d}/" + "z" * 256 + "/x")
    r.do(os.mkdir, f"{d}/.", 0o755)
    r.do(os.mkdir, f"{d}/..", 0o755)
    r.do(os.rename, f"{d}/p", f"{d}/p/..")
    r.do(os.link, f"{d}/f", f"{d}/p/.")


def main():
    root = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    os.umask(0)
    results = {}
    for name, fn in SCENARIOS.items():
        if only not in name:
            continue
        d = os.path.join(root, name)
        os.mkdir(d, 0o755)
        os.chmod(d, 0o755)
        rec = Rec()
        try:
            fn(d, rec)
        except Exception as e:  # noqa: a scenario that breaks is a difference too
            rec.note("scenario failed: %r" % (e,))
        os.umask(0)
        results[name] = rec.out
    print(json.dumps(results))


main()
