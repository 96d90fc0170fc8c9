#!/usr/bin/env python3
"""Runs a command and reports what it cost, for the benchmarks:

    peakmem.py OUT COMMAND [ARG...]

writes one line to OUT: wall seconds, CPU seconds (the command and every
child it waited for), the peak resident set of the command's own process
(its VmHWM, kBytes) and the peak proportional set size of the command and
all its descendants together (kBytes, sampled every 50 ms).

PSS is the fair sum over processes: a shared library mapped by three
processes counts a third in each, so a tree of workers is charged once for
what they share, and a single process's PSS is close to its RSS.  GNU
time's %M reports the largest single process instead, which says nothing
about a tree.
"""
import os
import subprocess
import sys
import time


def children():
    """Maps each pid to its children's pids."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd)
    hwm = pss_peak = tick = 0
    tree = [p.pid]
    while True:
        if tick % 5 == 0:
            # Scanning /proc costs milliseconds: the tree (long-lived
            # workers) is found again every quarter second, not every tick.
            kids, todo, tree = children(), [p.pid], []
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo.extend(kids.get(pid, []))
        tick += 1
        pss = sum(field("/proc/%d/smaps_rollup" % pid, "Pss:") for pid in tree)
        hwm = max(hwm, field("/proc/%d/status" % p.pid, "VmHWM:"))
        pss_peak = max(pss_peak, pss)
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    wall = time.monotonic() - t0
    with open(out, "w") as f:
        f.write("%.2f %.2f %d %d %d\n" % (wall, ru.ru_utime + ru.ru_stime,
                                          hwm, pss_peak,
                                          os.waitstatus_to_exitcode(status)))


if __name__ == "__main__":
    main()
