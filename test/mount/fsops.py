#!/usr/bin/env python3
"""Runs file-system calls for the mount tests, in a child process (the test
process must never block in a syscall on a mount its own event loop serves).

Input (argv[1] or stdin, JSON): {"cred": {"uid", "gid", "groups"}?, "umask": int?, "cwd": str?,
"ops": [[name, arg, ...], ...]}. An argument {"fd": i} is the descriptor the i-th
successful `open` returned; {"hex": "..."} is bytes. Output (stdout, JSON): one
result per op: {"ok": value} or {"err": "ENOENT"}; the run stops at nothing.
"""
import ctypes
import ctypes.util
import errno
import fcntl
import json
import mmap
import os
import stat
import sys

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
AT_FDCWD = -100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return 0


def renameat2(src, dst, flags):
    return check(libc.renameat2(AT_FDCWD, src.encode(), AT_FDCWD, dst.encode(), ctypes.c_uint(flags)))


def utimensat(path, atime, mtime, nofollow=False):
    """atime/mtime: [sec, nsec], "now" or "omit"."""
    def ts(v):
        if v == "now":
            return Timespec(0, UTIME_NOW)
        if v == "omit":
            return Timespec(0, UTIME_OMIT)
        return Timespec(v[0], v[1])
    times = (Timespec * 2)(ts(atime), ts(mtime))
    return check(libc.utimensat(AT_FDCWD, path.encode(), times, 0x100 if nofollow else 0))


def fallocate(fd, mode, offset, length):
    return check(libc.fallocate(fd, mode, offset, length))


def stat_of(st):
    return {
        "mode": st.st_mode, "ino": st.st_ino, "nlink": st.st_nlink, "uid": st.st_uid, "gid": st.st_gid,
        "size": st.st_size, "atime": st.st_atime_ns, "mtime": st.st_mtime_ns, "ctime": st.st_ctime_ns,
        "rdev": st.st_rdev, "type": stat.S_IFMT(st.st_mode), "perm": stat.S_IMODE(st.st_mode),
    }


def read_all(path):
    with open(path, "rb") as f:
        return f.read().hex()


def write_file(path, hexdata):
    with open(path, "wb") as f:
        f.write(bytes.fromhex(hexdata))
    return None


def pread(fd, n, off):
    return os.pread(fd, n, off).hex()


def pwrite(fd, hexdata, off):
    return os.pwrite(fd, bytes.fromhex(hexdata), off)


def mmap_read(fd, off, n):
    size = os.fstat(fd).st_size
    if size == 0 or off >= size:
        return ""
    with mmap.mmap(fd, size, prot=mmap.PROT_READ) as m:
        return m[off:off + n].hex()


def flock(fd, how):
    fcntl.flock(fd, {"sh": fcntl.LOCK_SH, "ex": fcntl.LOCK_EX, "un": fcntl.LOCK_UN, "exnb": fcntl.LOCK_EX | fcntl.LOCK_NB}[how])


def setlk(fd, how):
    fcntl.lockf(fd, {"sh": fcntl.LOCK_SH | fcntl.LOCK_NB, "ex": fcntl.LOCK_EX | fcntl.LOCK_NB, "un": fcntl.LOCK_UN}[how])


def listdir(path):
    return sorted(os.listdir(path))


FUNCS = {
    "open": os.open, "close": os.close, "stat": lambda p: stat_of(os.stat(p)), "lstat": lambda p: stat_of(os.lstat(p)),
    "fstat": lambda fd: stat_of(os.fstat(fd)), "mkdir": os.mkdir, "rmdir": os.rmdir, "unlink": os.unlink,
    "rename": os.rename, "renameat2": renameat2, "link": os.link, "symlink": os.symlink, "readlink": os.readlink,
    "chmod": os.chmod, "lchmod": lambda p, m: os.chmod(p, m, follow_symlinks=False), "chown": os.chown,
    "lchown": os.lchown, "fchmod": os.fchmod, "fchown": os.fchown, "truncate": os.truncate,
    "ftruncate": os.ftruncate, "mkfifo": os.mkfifo, "mknod": lambda p, m, major=0, minor=0: os.mknod(p, m, os.makedev(major, minor)),
    "utimensat": utimensat, "access": os.access, "setxattr": lambda p, n, v, f=0: os.setxattr(p, n, v.encode(), f),
    "getxattr": lambda p, n: os.getxattr(p, n).decode("latin1"), "listxattr": lambda p: sorted(os.listxattr(p)),
    "removexattr": os.removexattr, "fallocate": fallocate, "copy_file_range": os.copy_file_range,
    "pread": pread, "pwrite": pwrite, "mmap_read": mmap_read, "fsync": os.fsync, "read_all": read_all,
    "write_file": write_file, "listdir": listdir, "flock": flock, "setlk": setlk, "statvfs": lambda p: os.statvfs(p).f_namemax,
    "exists": os.path.lexists,
}

FLAGS = {name: getattr(os, name) for name in dir(os) if name.startswith("O_")}


def main():
    req = json.loads(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read())
    if "cwd" in req:
        os.chdir(req["cwd"])
    cred = req.get("cred")
    if cred is not None:
        os.setgroups(cred.get("groups", []))
        os.setgid(cred["gid"])
        os.setuid(cred["uid"])
    if "umask" in req:
        os.umask(req["umask"])
    fds = []
    out = []
    for op in req["ops"]:
        name, args = op[0], op[1:]
        real = []
        for a in args:
            if isinstance(a, dict) and "fd" in a:
                a = fds[a["fd"]] if a["fd"] < len(fds) else -1
            elif isinstance(a, dict) and "hex" in a:
                a = bytes.fromhex(a["hex"])
            elif isinstance(a, dict) and "flags" in a:
                v = 0
                for f in a["flags"]:
                    v |= FLAGS[f]
                a = v
            real.append(a)
        try:
            res = FUNCS[name](*real)
            if name == "open":
                fds.append(res)
            if isinstance(res, bytes):
                res = res.decode("latin1")
            out.append({"ok": res})
        except OSError as e:
            out.append({"err": errno.errorcode.get(e.errno, str(e.errno))})
    print(json.dumps(out))


main()
