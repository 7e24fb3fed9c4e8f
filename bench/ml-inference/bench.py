"""Benchmark of the inference handler with the small test model (prints figures; asserts nothing).

    /usr/bin/python3 bench/ml-inference/bench.py [--runs 50]

Process cold start (interpreter, imports, model load from the local hub, first answer), warm
latency p50/p99 through the handler, and the model's forward pass alone, so the handler's
overhead (decoding, pre-processing, JSON) shows as a ratio. The real model is far larger:
read these as the handler's own cost, not the reference's 30 s / 1.8 s.
"""

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HANDLER_DIR = os.path.join(HERE, "..", "..", "examples", "ml-inference", "handler")
sys.path.insert(0, HANDLER_DIR)
sys.path.insert(0, HERE)  # tiny_model: the small hub model, shared with the handler tests (never a test module)

COLD_START = """
import base64, sys, time
start = time.perf_counter()
import inference
loaded = time.perf_counter()
event = {"requestContext": {"http": {"method": "POST"}}, "body": sys.argv[1], "isBase64Encoded": True}
answer = inference.handler(event, None)
done = time.perf_counter()
assert answer["statusCode"] == 200, answer
print(f"{loaded - start:.3f} {done - loaded:.3f}")
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    try:
        import torch
        from tiny_model import make_local_hub, png
    except ImportError as error:
        print(f"skipped: the inference bench needs torch, torchvision and Pillow ({error})")
        return 0

    torch_home = tempfile.mkdtemp(prefix="bench-torch-home-")
    make_local_hub(torch_home)
    os.environ["TORCH_HOME"] = torch_home
    image = base64.b64encode(png((220, 20, 20), (640, 480))).decode()

    walls = []
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD_START, image], cwd=HANDLER_DIR, env=os.environ,
                             capture_output=True, text=True, check=True).stdout.split()
        walls.append((time.perf_counter() - start, float(out[0]), float(out[1])))
    wall, load, first = min(walls)
    print(f"cold start (best of 3): {wall:.2f} s process, of which import + model load {load:.2f} s, first answer {first * 1000:.0f} ms")

    import inference
    inference.MODEL = inference.load_model()
    event = {"requestContext": {"http": {"method": "POST"}}, "body": image, "isBase64Encoded": True}
    through_handler = timed(lambda: inference.handler(event, None), args.runs)
    batch = inference.PREPROCESS(inference.open_image(base64.b64decode(image))).unsqueeze(0)
    with torch.no_grad():
        forward = timed(lambda: inference.MODEL(batch), args.runs)
    p50_handler, p50_forward = statistics.median(through_handler), statistics.median(forward)
    print(f"warm, through the handler ({args.runs} runs): p50 {p50_handler * 1000:.2f} ms, p99 {percentile(through_handler, 99) * 1000:.2f} ms")
    print(f"forward pass alone ({args.runs} runs):        p50 {p50_forward * 1000:.2f} ms, p99 {percentile(forward, 99) * 1000:.2f} ms")
    print(f"handler / forward pass (p50): {p50_handler / p50_forward:.1f}x "
          "(the small model's forward pass is tiny: decoding and the 600x600 resize dominate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
