#!/usr/bin/env python3
"""attack_run (a driver check: the row's expected-status is `driver`): run one attack program
of tracee-tests/attacks/ under sysward and judge it by its side effects (THREATS A, C, D, E).

Before the run it makes a victim directory VICTIM = /usr/local/share/sysward-attack.XXXXXX
(readable under the default profile, not writable) holding files the attacks try to read,
change, delete or replace:
    victim         0644  "VICTIM-CONTENT"          (read allowed, write refused)
    secret         0600  SYSWARD-SECRET-<random>   (read refused by attacks/victim.policy)
    secret-world   0644  SYSWARD-SECRET-<random>   (the same, readable by any uid)
    core           0644  "VICTIM-CORE"             (where a core dump would land)
    sub/file, empty/
    t/f00 ... t/f31 0644  "VICTIM-CONTENT"          (one target per attack)
The program runs as `$SYSWARD run -a DIR/audit.jsonl -r DIR/result.json OPTIONS -- DIR/NAME
ARGS` in the row's directory DIR (the program is copied there, so that the default profile,
which executes only system programs and the working directory, lets it run).  In OPTIONS and
ARGS, @ATTACKS@ is replaced by the absolute path of tracee-tests/attacks and @VICTIM@ by
VICTIM.

The row passes when all of these hold:
  * sysward exited 0 (the program's own verdict: every attack held; 77 skips the row) and
    common.py's checks of the trail and result record pass (sysward alive to the end);
  * VICTIM is exactly as before: names, types, modes, owners, sizes, contents, link counts,
    ctimes, xattrs, inode flags;
  * no /etc/sysward-attack-canary-* exists (each found is reported and removed);
  * nothing in DIR carries the secret's random marker, is a hard link to /etc/shadow or to
    a VICTIM secret, or is a device node (each found is reported; links and nodes removed,
    so that a kept DIR holds no way to the secret).
VICTIM is always removed afterwards.  A row whose ARGS contain `file-linked` also gets
/usr/local/share/sysward-attack-linked.XXXXXX/flip.bin (4096 zero bytes, 0644: readable, not
writable under the policy) with a second hard link DIR/flip-link.bin, made before the run;
the program finds the first name in $ATK_LINKED.  That directory is removed afterwards too.

ATTACK_MODE=bare (program run directly, no sysward) or ATTACK_MODE=audit (sysward with
`--profile audit` instead of OPTIONS) invert the verdict: they prove that the row detects the
attack, so they pass when the row WOULD have failed.  Never use them on rows that signal
the tracer: the programs only attack a parent that is sysward, so those sub-attacks do not
run there anyway.
"""
import fcntl
import hashlib
import os
import secrets
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

import common

HERE = os.path.dirname(os.path.abspath(__file__))
ATTACKS = os.path.normpath(os.path.join(HERE, "..", "attacks"))
VICTIM_PARENT = "/usr/local/share"
CANARY_DIR, CANARY_PREFIX = "/etc", "sysward-attack-canary-"
FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602


def inode_flags(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        buf = fcntl.ioctl(fd, FS_IOC_GETFLAGS, b"\0" * 8)
        return struct.unpack("=l", buf[:4])[0] if len(buf) >= 4 else None
    except OSError:
        return None
    finally:
        os.close(fd)


def clear_flags(path):
    """Undo chattr-style flags (immutable, append-only) an attack may have set."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("=q", 0))
    except OSError:
        pass
    finally:
        os.close(fd)


def snapshot(root):
    """Everything about the tree at root that an attack could change."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [""] + dirnames + filenames:
            p = os.path.join(dirpath, name) if name else dirpath
            rel = os.path.relpath(p, root)
            if name == "" and dirpath != root:
                continue
            try:
                st = os.lstat(p)
            except OSError as e:
                snap[rel] = ("error", str(e))
                continue
            entry = {
                "type": stat.S_IFMT(st.st_mode), "mode": stat.S_IMODE(st.st_mode),
                "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size, "nlink": st.st_nlink,
                "ino": st.st_ino, "mtime": st.st_mtime_ns, "ctime": st.st_ctime_ns,
            }
            if stat.S_ISREG(st.st_mode):
                try:
                    with open(p, "rb") as f:
                        entry["sha256"] = hashlib.sha256(f.read()).hexdigest()
                except OSError as e:
                    entry["sha256"] = f"unreadable: {e}"
            if stat.S_ISLNK(st.st_mode):
                entry["target"] = os.readlink(p)
            try:
                entry["xattrs"] = sorted((k, os.getxattr(p, k, follow_symlinks=False))
                                         for k in os.listxattr(p, follow_symlinks=False))
            except OSError:
                entry["xattrs"] = None
            if not stat.S_ISLNK(st.st_mode):
                entry["flags"] = inode_flags(p)
            snap[rel] = entry
    return snap


def diff(before, after):
    out = []
    for rel in sorted(set(before) | set(after)):
        b, a = before.get(rel), after.get(rel)
        if b is None:
            out.append(f"VICTIM/{rel}: created ({a})")
        elif a is None:
            out.append(f"VICTIM/{rel}: removed or replaced")
        elif a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)) \
                if isinstance(a, dict) and isinstance(b, dict) else ["?"]
            detail = ", ".join(f"{k} {b.get(k)!r} -> {a.get(k)!r}" for k in keys) \
                if isinstance(a, dict) and isinstance(b, dict) else f"{b} -> {a}"
            out.append(f"VICTIM/{rel}: changed: {detail}")
    return out


def make_victim():
    v = tempfile.mkdtemp(prefix="sysward-attack.", dir=VICTIM_PARENT)
    os.chmod(v, 0o755)
    marker = "SYSWARD-SECRET-" + secrets.token_hex(16)

    def put(name, text, mode):
        p = os.path.join(v, name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)

    put("victim", "VICTIM-CONTENT\n", 0o644)
    put("secret", marker + "\n", 0o600)
    put("secret-world", marker + "\n", 0o644)
    put("core", "VICTIM-CORE\n", 0o644)
    os.mkdir(os.path.join(v, "sub"), 0o755)
    put("sub/file", "SUB\n", 0o644)
    os.mkdir(os.path.join(v, "empty"), 0o755)
    os.mkdir(os.path.join(v, "t"), 0o755)
    for i in range(32):
        put(f"t/f{i:02d}", "VICTIM-CONTENT\n", 0o644)
    try:
        os.setxattr(os.path.join(v, "victim"), "user.sysward", b"victim")
    except OSError:
        pass  # a filesystem without user xattrs: the attacks on them just find none
    return v, marker


def remove_tree(v):
    for dirpath, dirnames, filenames in os.walk(v):
        for name in dirnames + filenames + [""]:
            clear_flags(os.path.join(dirpath, name) if name else dirpath)
    shutil.rmtree(v, ignore_errors=True)


def sweep_canaries(c, verdicts):
    for name in sorted(os.listdir(CANARY_DIR)):
        if not name.startswith(CANARY_PREFIX):
            continue
        p = os.path.join(CANARY_DIR, name)
        verdicts.append(f"{p} exists: something was created outside the sandbox")
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)
        except OSError as e:
            verdicts.append(f"cannot remove {p}: {e}")


def sweep_workdir(d, marker, secret_ids, verdicts):
    """Leaks left in the row's directory; hazards (links to secrets, device nodes) removed."""
    mark = marker.encode()
    for dirpath, dirnames, filenames in os.walk(d):
        for name in filenames + dirnames:
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            rel = os.path.relpath(p, d)
            if (st.st_dev, st.st_ino) in secret_ids and not stat.S_ISLNK(st.st_mode):
                verdicts.append(f"{rel} is a hard link to {secret_ids[(st.st_dev, st.st_ino)]} "
                                "(removed)")
                os.unlink(p)
                continue
            if stat.S_ISBLK(st.st_mode) or stat.S_ISCHR(st.st_mode):
                verdicts.append(f"{rel} is a device node {os.major(st.st_rdev)}:"
                                f"{os.minor(st.st_rdev)} made by the program (removed)")
                os.unlink(p)
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size < 64 << 20:
                try:
                    with open(p, "rb") as f:
                        if mark in f.read():
                            verdicts.append(f"{rel} holds the secret's random marker")
                except OSError:
                    pass


def main():
    c = common.Checker("attack_run")
    d = sys.argv[1]
    mode = os.environ.get("ATTACK_MODE", "")
    prog = os.environ["TT_PROGRAM"]
    timeout = int(os.environ.get("TT_TIMEOUT", "60"))
    v, marker = make_victim()
    linked_dir = None
    verdicts = []
    try:
        def subst(s):
            return [w.replace("@ATTACKS@", ATTACKS).replace("@VICTIM@", v)
                    for w in s.split() if w != "-"]

        opts = subst(os.environ.get("TT_OPTIONS", ""))
        args = subst(os.environ.get("TT_ARGS", ""))
        local = os.path.join(d, os.path.basename(prog))
        shutil.copy2(prog, local)
        os.chmod(local, 0o755)
        if mode == "bare":
            cmd = [local, *args]
        else:
            if mode == "audit":
                opts = ["--profile", "audit"]
            cmd = [os.environ["SYSWARD"], "run", "-a", os.path.join(d, "audit.jsonl"),
                   "-r", os.path.join(d, "result.json"), *opts, "--", local, *args]
        with open(os.path.join(d, "cmd"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        secret_ids = {}
        for p in ("/etc/shadow", os.path.join(v, "secret"), os.path.join(v, "secret-world")):
            st = os.stat(p)
            secret_ids[(st.st_dev, st.st_ino)] = p
        env = dict(os.environ)
        if "file-linked" in args:
            # a file outside every writable directory with a second name in the working
            # directory (which the program may write): only a driver running as root
            # before the run can make that link; the program gets the first name
            linked_dir = tempfile.mkdtemp(prefix="sysward-attack-linked.", dir=VICTIM_PARENT)
            os.chmod(linked_dir, 0o755)
            lf = os.path.join(linked_dir, "flip.bin")
            with open(lf, "wb") as f:
                f.write(b"\0" * 4096)
            os.chmod(lf, 0o644)
            os.link(lf, os.path.join(d, "flip-link.bin"))
            env["ATK_LINKED"] = lf
        before = snapshot(v)
        with open(os.path.join(d, "stdout"), "wb") as out, \
                open(os.path.join(d, "stderr"), "wb") as err:
            try:
                status = subprocess.run(cmd, cwd=d, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=err, timeout=timeout, env=env).returncode
            except subprocess.TimeoutExpired:
                status = None
        if status is not None and status < 0:
            status = 128 - status
        with open(os.path.join(d, "status"), "w") as f:
            f.write(f"{status if status is not None else 'timeout'}\n")
        after = snapshot(v)
        verdicts += diff(before, after)
        sweep_canaries(c, verdicts)
        sweep_workdir(d, marker, secret_ids, verdicts)
    finally:
        remove_tree(v)
        if linked_dir:
            remove_tree(linked_dir)

    try:
        with open(os.path.join(d, "stderr"), errors="replace") as f:
            lines = [ln.rstrip("\n") for ln in f]
    except OSError:
        lines = []
    report = [ln for ln in lines if "ESCAPED" in ln or "MISMATCH" in ln or "FAIL" in ln]
    try:
        with open(os.path.join(d, "stdout"), errors="replace") as f:
            tries = [ln.rstrip("\n") for ln in f if ln.startswith("trying: ")]
    except OSError:
        tries = []
    if status not in (0, 1, 77, None) and tries:
        report.append(f"the program's last step before status {status}: {tries[-1]}")

    if mode in ("bare", "audit"):
        detected = status != 0 or verdicts
        print(f"ATTACK_MODE={mode}: status {status}; side effects: {len(verdicts)}")
        for ln in verdicts + report:
            print(f"  {ln}")
        if not detected:
            c.fail(f"ATTACK_MODE={mode}: the row did not detect anything without the tracer")
        c.done()

    if status == 77:
        common.skip(lines[-1] if lines else "program exited 77")
    if status is None:
        c.fail(f"hang guard: still running after {timeout}s")
    elif status != 0:
        c.fail(f"exit status {status}, want 0")
    for ln in report:
        c.fail(f"program: {ln}")
    for ln in verdicts:
        c.fail(f"side effect: {ln}")
    if status is not None:
        run = common.Run(d, c)
        common.check_status(run.result, run.status, c)
    c.done()


if __name__ == "__main__":
    main()
