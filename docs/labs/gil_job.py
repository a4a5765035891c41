"""gil_job.py - the gil scenario's job in CPython, for Lab 3.

Four threads each run the course's CPU-bound loop (a *= i) N times,
N = 15,000,000 unless given: about a second of one CPU in all, as in
gil-threads' default run. Trace it beside gil-threads and compare the
lock tables:

    sudo lab run -- /usr/bin/python3 docs/labs/gil_job.py [N]
"""
import sys
import threading
import time

TASKS = 4


def work(n):
    a = 1
    for i in range(n):
        a *= i


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15_000_000
    threads = [threading.Thread(target=work, args=(n,)) for _ in range(TASKS)]
    start, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    print(f"gil_job.py: {TASKS} threads x {n} iterations: {wall:.3f} s wall, "
          f"{cpu / wall:.2f} CPUs busy; Python "
          f"{sys.version.split()[0]}, switch interval "
          f"{sys.getswitchinterval() * 1000:g} ms")


if __name__ == "__main__":
    main()
