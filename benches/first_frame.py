#!/usr/bin/env python3
"""Start-up to first frame of the real console binary, in a 160x48 PTY.

Times from fork+exec of `relcon --config CONFIG` to the moment the bottom
row of the first frame ("press ? for help", the status line, drawn last)
has been written to the terminal; then ends the child with SIGTERM. Reports
the median and spread over N runs per config. With --vs-empty, each CONFIG
is first measured with its ledger swapped for an empty one (same envs,
same flags), and the ratio printed. See docs/performance.md.

    benches/first_frame.py [-n 30] [--relcon target/release/relcon] [--vs-empty] CONFIG...
"""

import argparse
import fcntl
import os
import re
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time

MARKER = b"press ? for help"


def one(relcon, config, timeout=10.0):
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", RELCON_USER="perf")
        os.execve(relcon, [relcon, "--config", config], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    seen = b""
    elapsed = None
    deadline = t0 + timeout
    try:
        while time.perf_counter() < deadline:
            r, _, _ = select.select([fd], [], [], 0.05)
            if not r:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = (seen + chunk)[-4096:]
            if MARKER in seen:
                elapsed = time.perf_counter() - t0
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--relcon", default="target/release/relcon")
    ap.add_argument("--vs-empty", action="store_true")
    ap.add_argument("configs", nargs="+")
    a = ap.parse_args()
    relcon = os.path.abspath(a.relcon)
    tmp = tempfile.TemporaryDirectory()
    configs = []
    for cfg in a.configs:
        if a.vs_empty:
            text = open(cfg).read()
            empty_db = os.path.join(tmp.name, f"empty-{len(configs)}.db")
            text, n = re.subn(r'url = "sqlite:[^"]*"', f'url = "sqlite:{empty_db}"', text, count=1)
            if n != 1:
                sys.exit(f"{cfg}: no sqlite ledger url to swap")
            empty = os.path.join(tmp.name, f"empty-{len(configs)}.toml")
            open(empty, "w").write(text)
            configs.append((f"{cfg} (empty ledger)", empty))
        configs.append((cfg, cfg))
    results = {}
    for label, cfg in configs:
        one(relcon, cfg)  # warm the page cache
        times = [one(relcon, cfg) for _ in range(a.n)]
        if any(t is None for t in times):
            print(f"{label}: the first frame did not appear", file=sys.stderr)
            sys.exit(1)
        ms = sorted(t * 1e3 for t in times)
        results[label] = statistics.median(ms)
        print(
            f"result: {label}: first frame median {statistics.median(ms):.1f} ms "
            f"(min {ms[0]:.1f}, max {ms[-1]:.1f}, n={a.n})"
        )
    labels = list(results)
    if a.vs_empty:
        for empty, full in zip(labels[::2], labels[1::2]):
            print(f"result: {full}: {results[full] / results[empty]:.2f}x its empty ledger")
    elif len(labels) > 1:
        for label in labels[1:]:
            print(f"result: {label}: {results[label] / results[labels[0]]:.2f}x the first config")


if __name__ == "__main__":
    main()
