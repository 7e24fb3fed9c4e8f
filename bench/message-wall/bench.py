"""Benchmark of the MessageWall handler on a local directory (prints figures; asserts nothing).

    python3 bench/message-wall/bench.py [--posts 400] [--writers 1,4,16] [--gets 20]
    python3 bench/message-wall/bench.py --posts 20 --writers 1,4 --gets 3     # a quick run

Appends per second and POST latency p50/p99 with 1, 4 and 16 concurrent writer processes,
how GET time grows with the wall's size up to its cap (MAX_WALL_BYTES, default 1 MiB), and
the cost of a full wall: its GET (the largest answer, against Lambda's 6 MB response limit)
and a refused POST. Local disk, not EFS: EFS adds a network round trip per lock and per
write, so read these as the handler's own cost. Imports the handler only, no test file.
"""

import argparse
import json
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
    refused = 0
    for n in range(count):
        start = time.perf_counter()
        answer = message_wall.handler(event("POST", f"writer {index} message {n}"), None)
        latencies.append(time.perf_counter() - start)
        refused += answer["statusCode"] != 200
    queue.put((latencies, refused))


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
        results = [queue.get() for _ in processes]
        for p in processes:
            p.join()
        elapsed = time.perf_counter() - start
        latencies = [lat for lats, _ in results for lat in lats]
        refused = sum(r for _, r in results)
        print(f"  {writers:2d} writers: {len(latencies) / elapsed:8.0f} appends/s   "
              f"p50 {percentile(latencies, 50) * 1000:7.3f} ms   p99 {percentile(latencies, 99) * 1000:7.3f} ms"
              + (f"   ({refused} refused: wall full)" if refused else ""))
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def median_ms(action, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, answer


def payload_bytes(answer):
    return len(json.dumps(answer, ensure_ascii=True))


def bench_get_growth(runs):
    mount = tempfile.mkdtemp(prefix="wall-bench-")
    os.environ["MOUNT_PATH"] = mount
    try:
        line = "x" * 40
        cap_lines = message_wall.max_wall_bytes() // (len(line) + 1)
        written = 0
        for size in (100, 1_000, 10_000, cap_lines):
            with open(os.path.join(mount, "content"), "a", encoding="utf-8") as wall:
                wall.write((line + "\n") * (size - written))
            written = size
            ms, _ = median_ms(lambda: message_wall.handler(event("GET"), None), runs)
            print(f"  GET of {size:7d} lines ({size * 41 / 1024:8.0f} KiB): median {ms:8.3f} ms")
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def bench_full_wall(runs):
    """Fill the wall to its cap with 64 KiB messages of the character JSON grows most ("é", 6 bytes as \\u00e9)."""
    mount = tempfile.mkdtemp(prefix="wall-bench-")
    os.environ["MOUNT_PATH"] = mount
    try:
        cap, body_limit = message_wall.max_wall_bytes(), message_wall.max_body_bytes()
        size = 0
        start = time.perf_counter()
        posts = 0
        while True:
            room = min(cap - size - 1, body_limit)
            if room < 2:
                break
            message = "é" * (room // 2)
            answer = message_wall.handler(event("POST", message), None)
            posts += 1
            if answer["statusCode"] != 200:
                break
            size += len(message.encode("utf-8")) + 1
        print(f"  filled to {size} of {cap} bytes with {posts} POSTs in {(time.perf_counter() - start) * 1000:.0f} ms")
        ms, answer = median_ms(lambda: message_wall.handler(event("GET"), None), runs)
        print(f"  GET of the full wall: median {ms:8.3f} ms, status {answer['statusCode']}, "
              f"payload {payload_bytes(answer)} bytes ({payload_bytes(answer) / 6_000_000:.0%} of the 6 MB limit)")
        ms, answer = median_ms(lambda: message_wall.handler(event("POST", "one more"), None), runs)
        print(f"  POST to the full wall: median {ms:8.3f} ms, status {answer['statusCode']}: {answer['body']}")
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=400, help="POSTs per writer")
    parser.add_argument("--writers", default="1,4,16", help="comma-separated numbers of concurrent writer processes")
    parser.add_argument("--gets", type=int, default=20, help="timed runs per GET figure")
    args = parser.parse_args()
    print("POST (append under an exclusive flock, then answer the whole wall):")
    for writers in (int(n) for n in args.writers.split(",") if n.strip()):
        bench_writers(writers, args.posts)
    print(f"GET as the wall grows, up to its cap ({message_wall.max_wall_bytes()} bytes):")
    bench_get_growth(args.gets)
    print("A full wall:")
    bench_full_wall(args.gets)


if __name__ == "__main__":
    main()
