"""Benchmark of the MessageWall handler on a local directory (prints figures; asserts nothing).

    /usr/bin/python3 bench/message-wall/bench.py [--posts 400]

Appends per second and POST latency p50/p99 with 1, 4 and 16 concurrent writer processes,
and how GET time grows with the wall's size. Local disk, not EFS: EFS adds a network round
trip per lock and per write, so read these as the handler's own cost.
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "message-wall", "handler"))
import message_wall  # noqa: E402


def event(method, body=None):
    return {"rawPath": "/", "requestContext": {"http": {"method": method}}, "body": body, "isBase64Encoded": False}


def post_many(mount, index, count, queue):
    os.environ["MOUNT_PATH"] = mount
    latencies = []
    for n in range(count):
        start = time.perf_counter()
        message_wall.handler(event("POST", f"writer {index} message {n}"), None)
        latencies.append(time.perf_counter() - start)
    queue.put(latencies)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_writers(writers, posts_per_writer):
    mount = tempfile.mkdtemp(prefix="wall-bench-")
    try:
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        processes = [context.Process(target=post_many, args=(mount, i, posts_per_writer, queue)) for i in range(writers)]
        start = time.perf_counter()
        for p in processes:
            p.start()
        latencies = [lat for _ in processes for lat in queue.get()]
        for p in processes:
            p.join()
        elapsed = time.perf_counter() - start
        print(f"  {writers:2d} writers: {len(latencies) / elapsed:8.0f} appends/s   "
              f"p50 {percentile(latencies, 50) * 1000:7.3f} ms   p99 {percentile(latencies, 99) * 1000:7.3f} ms")
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def bench_get_growth():
    mount = tempfile.mkdtemp(prefix="wall-bench-")
    os.environ["MOUNT_PATH"] = mount
    try:
        line = "x" * 40
        written = 0
        for size in (100, 1_000, 10_000, 100_000):
            with open(os.path.join(mount, "content"), "a", encoding="utf-8") as wall:
                wall.write((line + "\n") * (size - written))
            written = size
            runs = [0.0] * 20
            for i in range(len(runs)):
                start = time.perf_counter()
                message_wall.handler(event("GET"), None)
                runs[i] = time.perf_counter() - start
            print(f"  GET of {size:7d} lines ({size * 41 / 1024:8.0f} KiB): median {statistics.median(runs) * 1000:8.3f} ms")
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=400, help="POSTs per writer")
    args = parser.parse_args()
    print("POST (append under an exclusive flock, then answer the whole wall):")
    for writers in (1, 4, 16):
        bench_writers(writers, args.posts)
    print("GET as the wall grows:")
    bench_get_growth()


if __name__ == "__main__":
    main()
