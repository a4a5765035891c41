"""seed_models.py - the course text's two Python experiments, one model
per run, for lab compare (Lab 1 and Lab 3).

    python3 seed_models.py io threads|processes|serial [TASKS] [SECONDS]
        TASKS tasks (10) each sleep SECONDS (2): IO-bound
    python3 seed_models.py cpu threads|processes|serial [TASKS] [N]
        TASKS tasks (4) each multiply a *= i for i up to N (5,000,000):
        CPU-bound; the course ran 100 tasks of 1,000,000, and this default
        does a fifth of that work

As the course runs them, with threading.Thread or multiprocessing.Process,
or one task after another in the main thread (serial); prints the wall
time the course printed. Compare the two models:

    sudo lab compare -n threads '/usr/bin/python3 docs/labs/seed_models.py cpu threads' \\
                     -n processes '/usr/bin/python3 docs/labs/seed_models.py cpu processes'
"""
import multiprocessing
import sys
import threading
import time


def sleep_job(seconds):
    time.sleep(seconds)


def cpu_job(n):
    a = 1
    for i in range(n):
        a *= i


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("io", "cpu") or \
            sys.argv[2] not in ("threads", "processes", "serial"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    io = sys.argv[1] == "io"
    tasks = int(sys.argv[3]) if len(sys.argv) > 3 else (10 if io else 4)
    if io:
        job, arg = sleep_job, float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    else:
        job, arg = cpu_job, int(sys.argv[4]) if len(sys.argv) > 4 else 5_000_000
    start = time.time()
    if sys.argv[2] == "serial":
        for _ in range(tasks):
            job(arg)
    else:
        make = threading.Thread if sys.argv[2] == "threads" else \
            multiprocessing.Process
        workers = [make(target=job, args=(arg,)) for _ in range(tasks)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    print("%s %s: %d tasks, %.3f s" % (sys.argv[1], sys.argv[2], tasks,
                                       time.time() - start))


if __name__ == "__main__":
    main()
