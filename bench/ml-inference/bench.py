"""Benchmark of the inference handler with a ResNet-50-class model at 448 px (prints figures; asserts nothing).

    /usr/bin/python3 bench/ml-inference/bench.py [--model resnet50|tiny] [--runs N] [--warm-seconds 30] [--cold-runs 2]
                                                 [--provisioned-mibps 10] [--lib-dir DIR] [--hub-dir DIR]

What it prints, all measured on this machine unless it says "modelled":

- the process cold start, split into interpreter start, imports (the handler, Pillow, torch,
  torchvision), model load (hub repository and checkpoint) and first answer; the best of
  ``--cold-runs`` fresh processes, each loading at once as a provisioned environment does;
- one on-demand cold start under ``lambda_harness`` with Lambda's 10 s init budget: the init's
  duration, whether it was stopped and run again, and the time to the first answer;
- the files and bytes a cold start reads from the library directories (``--lib-dir``, default
  the site directory torch is imported from) and the model directory (``TORCH_HOME``), counted
  from the files Python opens (an audit hook) and the shared libraries the process maps
  (``/proc/self/smaps``, with the pages it touched);
- the cold start modelled on EFS for each throughput mode, with the planner's rates (Bursting
  100 MiB/s burst and 1 MiB/s with no credits, Elastic 500 MiB/s per client, Provisioned at
  ``--provisioned-mibps``): the local time plus the bytes read at that rate, and whether a load
  at init would fit Lambda's 10 s budget;
- the warm latency through the handler (a POSTed JPEG: base64, decoding, pre-processing,
  forward pass, JSON) and of the forward pass alone, p50 and p99, measured in alternation
  (handler, forward, forward, handler, ...) so that a neighbour's load on a shared machine
  hits both alike; as many runs as fit in ``--warm-seconds`` (at least 5, at most 200) unless
  ``--runs`` says; the handler's own parts and the ratio they predict; and last the line
  ``handler/forward p50 ratio: X.XX``.

The model is built here with random weights (``resnet_model``: torchvision's ResNet-50 with a
200-class head, in a hub directory shaped like the reference's), nothing is downloaded;
``--model tiny`` uses the tests' small model instead. The default run stays under about two
minutes on 2 cores; ``--warm-seconds``, ``--runs`` and ``--cold-runs`` buy steadier figures.
"""

import argparse
import base64
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HANDLER_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "ml-inference", "handler"))
sys.path.insert(0, HANDLER_DIR)
sys.path.insert(0, HERE)  # tiny_model, resnet_model, lambda_harness: never test modules, never in the asset

MIB = 1024 * 1024
LAMBDA_MEMORY_MB = 3072  # the reference's 3 GB
ON_DEMAND_INIT_BUDGET = 10.0
# The planner's rates (src/throughput-planner.ts), MiB/s.
BURSTING_BURST = 100
BURSTING_FLOOR = 1
ELASTIC_PER_CLIENT = 500
# Native libraries that are torch's own: outside the site directory on Debian, inside it
# (torch/lib, torch.libs) in the pip wheels the Lambda gets from EFS.
TORCH_NATIVE_PREFIXES = ("libtorch", "libc10", "libshm", "libdnnl", "libgomp")

# One cold start in a fresh process, in the order a provisioned environment's init runs it,
# timed piece by piece; then what it read. Prints one JSON line.
COLD_START = r"""
import json, os, sys, time
started = time.time()
opened = set()


def audit(event, args):
    if event == "open" and args and isinstance(args[0], str):
        opened.add(args[0])


sys.addaudithook(audit)
spawned, event_file = float(sys.argv[1]), sys.argv[2]
import inference
inference.import_libraries()
import torchvision  # the hub model's library
imported = time.time()
inference.LOADER.load_now()
loaded = time.time()
with open(event_file, encoding="utf-8") as f:
    event = json.load(f)
answer = inference.handler(event, None)
answered = time.time()
assert answer["statusCode"] == 200, answer
mapped, current = {}, None
with open("/proc/self/smaps", encoding="utf-8") as smaps:
    for line in smaps:
        parts = line.split()
        if parts and "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:
            current = parts[5] if len(parts) >= 6 and parts[5].startswith("/") else None
            if current:
                mapped.setdefault(current, 0)
        elif current and parts and parts[0] == "Rss:":
            mapped[current] += int(parts[1]) * 1024
print(json.dumps({"interpreter": started - spawned, "imports": imported - started, "load": loaded - imported,
                  "first_answer": answered - loaded, "answer": json.loads(answer["body"]),
                  "opened": sorted(os.path.abspath(p) for p in opened), "mapped": mapped}))
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def photo_jpeg(size=(1024, 768), seed=1):
    """A photo-like JPEG (smooth gradients, shapes and sensor-like noise): decodes like a real picture."""
    import numpy  # pylint: disable=import-outside-toplevel
    from PIL import Image, ImageDraw, ImageFilter  # pylint: disable=import-outside-toplevel

    rng = numpy.random.default_rng(seed)
    width, height = size
    y, x = numpy.mgrid[0:height, 0:width].astype(numpy.float32)
    base = numpy.stack([120 + 80 * numpy.sin(x / 97), 110 + 70 * numpy.cos(y / 71), 90 + 60 * numpy.sin((x + y) / 131)], axis=-1)
    image = Image.fromarray(numpy.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(numpy.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        draw.ellipse((x0, y0, x0 + int(rng.integers(20, 200)), y0 + int(rng.integers(20, 200))),
                     fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def post_event(data):
    return {"version": "2.0", "rawPath": "/MLInference", "requestContext": {"http": {"method": "POST"}, "stage": "$default"},
            "body": base64.b64encode(data).decode(), "isBase64Encoded": True}


def under(path, directories):
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d + os.sep) for d in directories)


def read_counts(cold, lib_dirs, model_dirs):
    """Files and bytes a cold start read: {group: (files, whole-file bytes, touched bytes)}.

    Files Python opened are read whole (source, bytecode, checkpoint). Mapped shared libraries
    are paged in as touched: their size is the most a cold start reads from them, the pages
    the process touched (Rss) the least.
    """
    lib_dirs = [os.path.realpath(d) for d in lib_dirs]
    model_dirs = [os.path.realpath(d) for d in model_dirs]
    groups = {"lib": {}, "torch native elsewhere": {}, "model": {}}
    for path in cold["opened"]:
        if os.path.isfile(path):
            size = os.path.getsize(path)
            if under(path, model_dirs):
                groups["model"][os.path.realpath(path)] = (size, size)
            elif under(path, lib_dirs):
                groups["lib"][os.path.realpath(path)] = (size, size)
    for path, rss in cold["mapped"].items():
        if not os.path.isfile(path):
            continue
        real, size = os.path.realpath(path), os.path.getsize(path)
        if under(path, lib_dirs):
            groups["lib"][real] = (size, min(size, rss))
        elif os.path.basename(real).startswith(TORCH_NATIVE_PREFIXES):
            groups["torch native elsewhere"][real] = (size, min(size, rss))
    return {name: (len(files), sum(s for s, _ in files.values()), sum(t for _, t in files.values())) for name, files in groups.items()}


def run_cold_start(torch_home, event_file):
    env = dict(os.environ, TORCH_HOME=torch_home, SKIP_MODEL_LOAD="1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(LAMBDA_MEMORY_MB),
               AWS_LAMBDA_INITIALIZATION_TYPE="provisioned-concurrency")
    spawned = time.time()
    out = subprocess.run([sys.executable, "-c", COLD_START, repr(spawned), event_file], cwd=HANDLER_DIR, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise SystemExit(f"the cold start failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("resnet50", "tiny"), default="resnet50")
    parser.add_argument("--runs", type=int, help="warm runs, each of the handler and of the forward pass (default: as many as fit in --warm-seconds)")
    parser.add_argument("--warm-seconds", type=float, default=30.0, help="time for the warm runs when --runs is not given (default 30)")
    parser.add_argument("--cold-runs", type=int, default=2, help="fresh processes for the cold-start split (default 2; the best is shown)")
    parser.add_argument("--provisioned-mibps", type=float, default=10.0, help="the Provisioned rate to model, MiB/s (default 10)")
    parser.add_argument("--lib-dir", action="append", help="a library directory (PYTHONPATH on EFS); default: the one torch is imported from")
    parser.add_argument("--hub-dir", help="a directory to build the model in (TORCH_HOME is DIR/<model>) and keep (default: a temporary one, removed)")
    parser.add_argument("--no-harness", action="store_true", help="skip the cold start under the 10 s init budget")
    args = parser.parse_args()
    try:
        import torch
        import torchvision  # noqa: F401
        from PIL import Image  # noqa: F401
        from lambda_harness import cold_start
        from resnet_model import make_resnet_hub
        from tiny_model import make_local_hub
    except ImportError as error:
        print(f"skipped: the inference bench needs torch, torchvision and Pillow ({error})")
        return 0

    # One TORCH_HOME per model under --hub-dir: the two models share the reference's hub directory name.
    torch_home = os.path.join(args.hub_dir, args.model) if args.hub_dir else tempfile.mkdtemp(prefix="bench-torch-home-")
    scratch = tempfile.mkdtemp(prefix="bench-ml-")
    try:
        started = time.perf_counter()
        if args.model == "resnet50":
            make_resnet_hub(torch_home)
            model_name = "ResNet-50 (torchvision, random weights, 200-class head) at 448x448"
        else:
            if not os.path.isdir(os.path.join(torch_home, "hub")):
                make_local_hub(torch_home)
            model_name = "the tests' tiny model (pooling and one linear layer)"
        os.environ["TORCH_HOME"] = torch_home
        photo = photo_jpeg()
        event = post_event(photo)
        event_file = os.path.join(scratch, "event.json")
        with open(event_file, "w", encoding="utf-8") as f:
            json.dump(event, f)
        lib_dirs = args.lib_dir or [os.path.dirname(os.path.dirname(os.path.abspath(torch.__file__)))]
        print(f"model: {model_name}; built in {time.perf_counter() - started:.1f} s")
        print(f"machine: {os.cpu_count()} CPUs seen (load average {os.getloadavg()[0]:.1f} at the start), torch {torch.__version__}, "
              f"Python {sys.version.split()[0]}; image: JPEG 1024x768, {len(photo) / 1024:.0f} KiB; function memory {LAMBDA_MEMORY_MB} MB")

        # Cold start, split.
        colds = [run_cold_start(torch_home, event_file) for _ in range(max(1, args.cold_runs))]
        best = min(colds, key=lambda c: c["interpreter"] + c["imports"] + c["load"] + c["first_answer"])
        total = best["interpreter"] + best["imports"] + best["load"] + best["first_answer"]
        print(f"\ncold start (best of {len(colds)} fresh processes, page cache warm, loading at once):")
        for label, key in (("interpreter start", "interpreter"), ("imports (handler, Pillow, torch, torchvision)", "imports"),
                           ("model load (hub repository, checkpoint)", "load"), ("first answer (first forward pass)", "first_answer")):
            print(f"  {label:<48} {best[key]:6.2f} s")
        print(f"  {'total':<48} {total:6.2f} s   (answer: {best['answer']})")

        # Files and bytes read.
        counts = read_counts(best, lib_dirs, [torch_home])
        print(f"\nread by one cold start (library directories: {', '.join(lib_dirs)}; model directory: TORCH_HOME):")
        for name, label in (("lib", "library directories"), ("torch native elsewhere", "torch's native libraries, elsewhere here"),
                            ("model", "model directory")):
            files, whole, touched = counts[name]
            print(f"  {label:<42} {files:5d} files, {whole / MIB:8.2f} MiB whole, {touched / MIB:8.2f} MiB touched")
        files = sum(c[0] for c in counts.values())
        whole = sum(c[1] for c in counts.values())
        touched = sum(c[2] for c in counts.values())
        print(f"  {'total (what EFS would serve)':<42} {files:5d} files, {whole / MIB:8.2f} MiB whole, {touched / MIB:8.2f} MiB touched")
        print("  (whole: every file read in full; touched: shared libraries only as far as their pages were used."
              " Debian keeps torch's native libraries outside the site directory; the pip wheels on EFS keep them inside,"
              " so they are counted.)")

        # Modelled on EFS.
        local_init = best["interpreter"] + best["imports"] + best["load"]
        print(f"\nmodelled cold start on EFS (local {total:.2f} s + the bytes above at the mode's rate, touched .. whole; "
              "reads and work taken one after the other):")
        print(f"  {'mode':<26} {'MiB/s':>6} {'reads s':>16} {'first answer s':>16}   a load at init (the old handler) within the 10 s init budget?")
        for mode, rate in (("Bursting, burst", BURSTING_BURST), ("Bursting, no credits left", BURSTING_FLOOR),
                           ("Elastic, per client", ELASTIC_PER_CLIENT), ("Provisioned", args.provisioned_mibps)):
            low, high = touched / MIB / rate, whole / MIB / rate
            init_low, init_high = local_init + low, local_init + high
            if init_high <= ON_DEMAND_INIT_BUDGET:
                verdict = "yes"
            elif init_low > ON_DEMAND_INIT_BUDGET:
                verdict = "no: Lambda stops it at 10 s and runs it again in the first invocation (up to 10 s more)"
            else:
                verdict = "only at the touched bound; past 10 s at the whole-file one"
            print(f"  {mode:<26} {rate:6g} {low:7.1f} .. {high:6.1f} {total + low:7.1f} .. {total + high:6.1f}   {verdict}")
        print("  The first answer column is this handler on demand: its init starts the load in a thread and ends in"
              " milliseconds whatever the mode, so it never pays the 10 s.")

        # On demand, under the 10 s budget.
        if not args.no_harness:
            env = dict(os.environ, TORCH_HOME=torch_home)
            env.pop("SKIP_MODEL_LOAD", None)
            run = cold_start(HANDLER_DIR, event, env=env, initialization_type="on-demand", init_budget=ON_DEMAND_INIT_BUDGET,
                             timeout=300, memory_mb=LAMBDA_MEMORY_MB)
            print(f"\non demand under a {ON_DEMAND_INIT_BUDGET:g} s init budget (lambda_harness): init {run.init_seconds:.2f} s, "
                  f"{'RESTARTED (+%g s)' % run.penalty_seconds if run.restarted else 'no restart'}, "
                  f"first invocation {run.first_invoke_seconds:.2f} s, first answer {run.first_answer_seconds:.2f} s after the "
                  f"environment started, status {run.answer['statusCode']}")

        # Warm: through the handler and the forward pass alone, alternated.
        os.environ["SKIP_MODEL_LOAD"] = "1"
        os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(LAMBDA_MEMORY_MB)
        import inference  # pylint: disable=import-outside-toplevel
        inference.LOADER.load_now()
        model = inference.LOADER.model
        inference.use_torch_threads()
        batch = inference.preprocess(inference.open_image(photo)).unsqueeze(0)

        def forward():
            with torch.inference_mode():
                model(batch)

        def through_handler():
            answer = inference.handler(event, None)
            assert answer["statusCode"] == 200, answer

        through_handler()
        forward()  # warm-up, not counted
        handler_times, forward_times = [], []
        warm_started = time.perf_counter()
        pairs = ((through_handler, handler_times), (forward, forward_times))
        while True:
            done = len(handler_times)
            if args.runs is not None and done >= args.runs:
                break
            if args.runs is None and done >= 5 and (done >= 200 or time.perf_counter() - warm_started >= args.warm_seconds):
                break
            for fn, times in (pairs if done % 2 == 0 else pairs[::-1]):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
        parts = {}
        data = base64.b64decode(event["body"])
        for label, fn in (("base64", lambda: base64.b64decode(event["body"], validate=True)), ("decode", lambda: inference.open_image(data)),
                          ("pre-process", lambda: inference.preprocess(inference.open_image(data)))):
            times = []
            for _ in range(10):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            parts[label] = statistics.median(times)
        p50_handler, p50_forward = statistics.median(handler_times), statistics.median(forward_times)
        runs = len(handler_times)
        p99_note = " (p99 of so few runs is the slowest)" if runs < 100 else ""
        print(f"\nwarm, {runs} runs each, alternated, torch threads {torch.get_num_threads()}{p99_note}:")
        print(f"  through the handler   p50 {p50_handler * 1000:8.1f} ms   p99 {percentile(handler_times, 99) * 1000:8.1f} ms")
        print(f"  forward pass alone    p50 {p50_forward * 1000:8.1f} ms   p99 {percentile(forward_times, 99) * 1000:8.1f} ms")
        own = parts["base64"] + parts["pre-process"]
        print(f"  the handler's own parts (p50 of 10): base64 {parts['base64'] * 1000:.1f} ms, decoding {parts['decode'] * 1000:.1f} ms, "
              f"pre-processing {(parts['pre-process'] - parts['decode']) * 1000:.1f} ms; "
              f"with the forward pass's p50 they predict a ratio of {(p50_forward + own) / p50_forward:.2f}")
        print(f"handler/forward p50 ratio: {p50_handler / p50_forward:.2f}")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.hub_dir:
            shutil.rmtree(torch_home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
