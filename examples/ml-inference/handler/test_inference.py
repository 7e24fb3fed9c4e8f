"""End-to-end tests of the inference handler with a small model in a local torch hub.

Needs torch, torchvision and Pillow (Debian: python3-torch python3-torchvision python3-pil);
without them every test here is skipped with a message. No model is downloaded: the tests
write a hub repository with the reference model's entry point and return shape, and its
weights into the hub's checkpoint cache, under a temporary TORCH_HOME (tiny_model, through
test_support). Nothing leaves the machine: images come from a server on 127.0.0.1, host
names are resolved by a stub, and a guard fails any other connection.

The init budget: ``LoadingWithinTheInitBudget`` runs cold starts of the handler in a separate
process under ``lambda_harness`` (through test_support), which stops an init that passes its
budget and re-runs it inside the first invocation, as Lambda does. The tests shrink Lambda's
10 s to 1 s and make the model load take 2 s (``TINY_MODEL_LOAD_SECONDS``), so the same
relation holds (the load is longer than the budget) in a few seconds.
"""

import base64
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_support import (MALFORMED_URLS, PUBLIC_IPV4, NoNetwork, allow_local_server, cold_start, fuzzed_urls,  # noqa: E402
                          image_bytes, init_budget_for, make_local_hub, png, production_rules, resolving_to, serve, stop)

HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import torch  # noqa: F401
    from PIL import Image
    TORCH_MISSING = None
except ImportError as error:  # pragma: no cover - depends on the machine
    TORCH_MISSING = f"torch, torchvision and Pillow are needed ({error}); on Debian: apt-get install python3-torch python3-torchvision python3-pil"


class Images(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/drip.png":  # headers, then one byte every 0.15 s (40 bytes, then it stops)
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.15)
            except OSError:
                pass
            return
        bodies = {"/red.png": png((220, 20, 20)), "/blue.png": png((20, 20, 220)), "/page.html": b"<html>not a bird</html>",
                  "/red.bmp": image_bytes((220, 20, 20), image_format="BMP")}
        body = bodies.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


def get(url, path=None, stage=None):
    """A payload 2.0 GET; without ``path`` the event has no rawPath, as in a direct invocation."""
    event = {"version": "2.0", "requestContext": {"http": {"method": "GET"}}, "queryStringParameters": {"url": url}}
    if path is not None:
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
    if stage is not None:
        event["requestContext"]["stage"] = stage
    return event


def post(data):
    return {"version": "2.0", "requestContext": {"http": {"method": "POST"}}, "body": base64.b64encode(data).decode(), "isBase64Encoded": True}


@unittest.skipIf(TORCH_MISSING, TORCH_MISSING or "")
class EndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.torch_home = tempfile.mkdtemp(prefix="torch-home-")
        make_local_hub(cls.torch_home)
        os.environ["TORCH_HOME"] = cls.torch_home
        os.environ["SKIP_MODEL_LOAD"] = "1"
        import inference
        cls.inference = importlib.reload(inference)
        import safe_fetch
        cls.safe_fetch = safe_fetch
        with NoNetwork():
            cls.inference.LOADER.set_model(cls.inference.load_model())
        cls.server, cls.base = serve(Images)

    @classmethod
    def tearDownClass(cls):
        stop(cls.server)
        shutil.rmtree(cls.torch_home, ignore_errors=True)
        os.environ.pop("SKIP_MODEL_LOAD", None)

    def setUp(self):
        # Loopback and the server's port are allowed only here, by code: the local server stands in for the internet.
        allow_local_server(self.server.server_address[1])

    def tearDown(self):
        production_rules()

    def call(self, event):
        answer = self.inference.handler(event, None)
        self.assertEqual(answer["headers"]["content-type"], "application/json")
        return answer["statusCode"], json.loads(answer["body"])

    def test_the_model_loads_from_the_local_hub_without_network(self):
        self.assertEqual(len(self.inference.LOADER.model.bird_classes), 200)
        self.assertFalse(self.inference.LOADER.model.training)

    def test_get_with_a_url_answers_the_bird_class(self):
        self.assertEqual(self.call(get(self.base + "/red.png")), (200, {"bird_class": "106.Horned_Puffin"}))
        self.assertEqual(self.call(get(self.base + "/blue.png")), (200, {"bird_class": "053.Western_Grebe"}))

    def test_post_with_a_base64_image_answers_the_bird_class(self):
        event = {"requestContext": {"http": {"method": "POST"}}, "body": base64.b64encode(png((20, 20, 220))).decode(), "isBase64Encoded": True}
        self.assertEqual(self.call(event), (200, {"bird_class": "053.Western_Grebe"}))

    def test_preprocessing_gives_torchvisions_values_bit_for_bit(self):
        import numpy  # pylint: disable=import-outside-toplevel
        from torchvision import transforms  # pylint: disable=import-outside-toplevel
        reference = transforms.Compose([
            transforms.Resize((600, 600), interpolation=transforms.InterpolationMode.BILINEAR),
            transforms.CenterCrop((448, 448)),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ])
        rng = numpy.random.default_rng(7)
        for size in ((640, 480), (1024, 768), (333, 777), (600, 600), (50, 40), (1919, 1081)):
            with self.subTest(size=size):
                image = Image.fromarray((rng.random((size[1], size[0], 3)) * 255).astype(numpy.uint8))
                ours = self.inference.preprocess(image)
                self.assertTrue(ours.is_contiguous())
                self.assertTrue(torch.equal(ours, reference(image)))

    def test_preprocessing_is_the_reference_one(self):
        batch = self.inference.preprocess(Image.new("RGB", (1000, 700), (255, 255, 255))).unsqueeze(0)
        self.assertEqual(tuple(batch.shape), (1, 3, 448, 448))
        # white (1.0) normalized with the reference mean and std
        for channel, (mean, std) in enumerate(zip((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))):
            self.assertAlmostEqual(float(batch[0, channel, 0, 0]), (1.0 - mean) / std, places=4)

    def test_not_an_image_is_400(self):
        status, body = self.call(get(self.base + "/page.html"))
        self.assertEqual((status, body), (400, {"error": "The data is not an image that can be read."}))
        event = {"requestContext": {"http": {"method": "POST"}}, "body": base64.b64encode(b"GIF89a garbage").decode(), "isBase64Encoded": True}
        self.assertEqual(self.call(event)[0], 400)

    def test_too_many_pixels_is_400_before_decoding(self):
        event = {"requestContext": {"http": {"method": "POST"}}, "body": base64.b64encode(png((1, 2, 3), (100, 100))).decode(), "isBase64Encoded": True}
        saved = self.inference.MAX_IMAGE_PIXELS
        try:
            self.inference.MAX_IMAGE_PIXELS = 6000  # checked from the header
            self.assertEqual(self.call(event), (400, {"error": "The image has 10000 pixels; the limit is 6000."}))
            self.inference.MAX_IMAGE_PIXELS = 1000  # Pillow's own decompression-bomb guard
            self.assertEqual(self.call(event), (400, {"error": "The image has more than 1000 pixels."}))
        finally:
            self.inference.MAX_IMAGE_PIXELS = saved

    def test_url_errors_are_400_with_a_json_message(self):
        self.safe_fetch.ALLOWED_TEST_NETWORKS = []
        for url, message in ((self.base + "/red.png", "not public"), ("ftp://example.com/x.png", "http or https"),
                             ("http://169.254.169.254/latest/meta-data/", "not public")):
            status, body = self.call(get(url))
            self.assertEqual(status, 400)
            self.assertIn(message, body["error"])

    def test_bad_requests_are_400(self):
        for event in ({"requestContext": {"http": {"method": "GET"}}}, {"requestContext": {"http": {"method": "PUT"}}},
                      {"requestContext": {"http": {"method": "POST"}}, "body": "%%%", "isBase64Encoded": True}, None, [],
                      {"requestContext": {"http": "GET"}}, {"requestContext": "x"}):
            status, body = self.call(event)
            self.assertEqual(status, 400, event)
            self.assertTrue(body["error"])

    def test_an_internal_failure_is_500_without_a_trace(self):
        saved = self.inference.LOADER.model

        def broken(batch):
            raise RuntimeError("a model that fails")
        self.inference.LOADER.set_model(broken)
        try:
            with self.assertLogs("inference", level="ERROR") as logged:  # the trace goes to the log, not the client
                status, body = self.call(get(self.base + "/red.png"))
        finally:
            self.inference.LOADER.set_model(saved)
        self.assertIn("Traceback", "\n".join(logged.output))
        self.assertEqual((status, body), (500, {"error": "Internal error: the image was not classified."}))

    def test_answers_at_the_root_the_route_and_the_stage_path(self):
        for path, stage in (("/", "$default"), ("/MLInference", "$default"), ("/default/MLInference", "default"),
                            ("/default", "default"), ("/default/", "default"), ("/MLInference/", "$default"),
                            ("/prod/MLInference", "prod"), (None, None)):
            with self.subTest(path=path, stage=stage):
                self.assertEqual(self.call(get(self.base + "/red.png", path, stage)), (200, {"bird_class": "106.Horned_Puffin"}))

    def test_other_paths_are_404_with_a_message(self):
        for path, stage in (("/other", "$default"), ("/default/other", "default"), ("/MLInference/extra", "$default"),
                            ("/defaultMLInference", "default"), ("/mlinference", "$default"), ("/default/MLInference", "$default"),
                            ("/prod/MLInference", "default"), ("//MLInference", "$default"), ("/favicon.ico", "default")):
            with self.subTest(path=path, stage=stage):
                status, body = self.call(get(self.base + "/red.png", path, stage))
                self.assertEqual(status, 404)
                self.assertEqual(body, {"error": "Not found. Use GET /MLInference?url=<image url> or POST an image to /MLInference (or to /)."})

    def test_only_jpeg_png_gif_and_webp_are_decoded(self):
        for image_format in ("JPEG", "PNG", "GIF", "WEBP"):
            with self.subTest(image_format=image_format):
                self.assertEqual(self.call(post(image_bytes((220, 20, 20), image_format=image_format))), (200, {"bird_class": "106.Horned_Puffin"}))

    def test_other_image_formats_are_415_naming_the_accepted_ones(self):
        for image_format in ("BMP", "TIFF", "PPM", "ICO"):
            with self.subTest(image_format=image_format):
                status, body = self.call(post(image_bytes((220, 20, 20), image_format=image_format)))
                self.assertEqual((status, body), (415, {"error": f"The image is {image_format}; accepted formats: JPEG, PNG, GIF, WEBP."}))
        self.assertEqual(self.call(get(self.base + "/red.bmp")), (415, {"error": "The image is BMP; accepted formats: JPEG, PNG, GIF, WEBP."}))

    def test_a_port_other_than_80_or_443_is_400_naming_it(self):
        production_rules()
        with resolving_to(PUBLIC_IPV4) as asked, NoNetwork():
            self.assertEqual(self.call(get("http://example.com:22/")), (400, {"error": "The URL's port 22 is not allowed; allowed ports: 80, 443."}))
        self.assertEqual(asked, [])

    def test_a_dripping_server_is_400_within_the_fetch_deadline(self):
        saved = self.inference.FETCH_TIMEOUT_SECONDS
        self.inference.FETCH_TIMEOUT_SECONDS = 1.0
        try:
            started = time.monotonic()
            status, body = self.call(get(self.base + "/drip.png"))
        finally:
            self.inference.FETCH_TIMEOUT_SECONDS = saved
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual((status, body), (400, {"error": "Fetching the image took too long: the whole fetch, redirects included, is limited to 1 s."}))

    def test_malformed_urls_are_400_with_a_message(self):
        with resolving_to(PUBLIC_IPV4) as asked, NoNetwork():
            for url in MALFORMED_URLS:
                with self.subTest(url=url):
                    status, body = self.call(get(url))
                    self.assertEqual(status, 400)
                    self.assertTrue(body["error"])
        self.assertEqual(asked, [])

    def test_fuzzed_urls_are_4xx_never_500(self):
        statuses = {}
        with resolving_to("10.0.0.1"), NoNetwork():
            for url in fuzzed_urls(400):
                with self.subTest(url=url):
                    status, body = self.call(get(url))
                    self.assertTrue(400 <= status < 500, (status, body))
                    self.assertTrue(body["error"])
                    statuses[status] = statuses.get(status, 0) + 1
        self.assertEqual(sum(statuses.values()), 400)


_copies = []


def fresh_inference():
    """A separate copy of the handler module (its own LOADER and logger), imported with SKIP_MODEL_LOAD=1."""
    name = f"inference_copy_{len(_copies)}"
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "inference.py"))
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, {"SKIP_MODEL_LOAD": "1"}):
        spec.loader.exec_module(module)
    _copies.append(module)
    return module


@unittest.skipIf(TORCH_MISSING, TORCH_MISSING or "")
class CheckpointsAreWeightsOnly(unittest.TestCase):
    """The trained weights are read from the installer's cache as tensors, never as code."""

    def setUp(self):
        self.torch_home = tempfile.mkdtemp(prefix="torch-home-")
        self.addCleanup(shutil.rmtree, self.torch_home, True)
        make_local_hub(self.torch_home)
        patched = mock.patch.dict(os.environ, {"TORCH_HOME": self.torch_home, "SKIP_MODEL_LOAD": "1"})
        patched.start()
        self.addCleanup(patched.stop)
        import inference
        self.inference = importlib.reload(inference)
        self.checkpoint = os.path.join(self.torch_home, "hub", "checkpoints", "ntsnet-tiny.pth")

    def test_a_checkpoint_that_holds_code_is_refused_and_the_code_never_runs(self):
        import torch
        marker = os.path.join(self.torch_home, "pickle-ran")

        class RunsCode:
            def __reduce__(self):
                return (open, (marker, "w"))

        torch.save({"fc.weight": RunsCode()}, self.checkpoint)
        with NoNetwork(), self.assertRaises(Exception) as raised:
            self.inference.load_model()
        self.assertNotIsInstance(raised.exception, AssertionError)
        self.assertFalse(os.path.exists(marker), "the pickle's code ran")

    def test_a_missing_checkpoint_is_not_downloaded(self):
        os.remove(self.checkpoint)
        with NoNetwork(), self.assertRaisesRegex(self.inference.CheckpointNotInstalled, "ntsnet-tiny.pth is not in .*nothing is downloaded at run time"):
            self.inference.load_model()

    def test_the_installed_weights_load_and_torch_keeps_its_downloader(self):
        import torch
        downloader = torch.hub.load_state_dict_from_url
        with NoNetwork():
            model = self.inference.load_model()
        self.assertIs(torch.hub.load_state_dict_from_url, downloader)
        self.assertEqual(float(model.fc.weight[105, 0]), 1.0)


class FakeModel:
    """Answers like ntsnet (a 7-tuple, bird_classes); records the torch threads each forward pass ran with."""

    bird_classes = ["001.Black_footed_Albatross", "106.Horned_Puffin"]

    def __init__(self):
        self.threads = []

    def __call__(self, batch):
        self.threads.append(torch.get_num_threads())
        logits = torch.tensor([[0.0, 1.0]])
        return None, logits, logits, logits, logits, None, None


class Context:
    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self):
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def answer(response):
    return response["statusCode"], json.loads(response["body"])


@unittest.skipIf(TORCH_MISSING, TORCH_MISSING or "")
class ModelLoadingInOneEnvironment(unittest.TestCase):
    """The loader's states, in process, with a fake model: failure, retry, still loading, bad requests meanwhile."""

    def setUp(self):
        self.inference = fresh_inference()
        self.now = [1000.0]
        self.fail = True
        self.release = threading.Event()
        self.release.set()

        def load():
            self.inference.import_libraries()
            self.release.wait(30)
            if self.fail:
                raise OSError("Stale file handle (EFS said no)")
            return FakeModel()
        self.inference.LOADER = self.inference.ModelLoader(load, retry_seconds=60, clock=lambda: self.now[0])
        self.event = post(png((220, 20, 20)))

    def tearDown(self):
        self.release.set()

    def test_importing_the_handler_reads_no_library_from_efs(self):
        code = "import sys, inference; print(sorted(m for m in ('torch', 'torchvision', 'PIL', 'numpy') if m in sys.modules))"
        out = subprocess.run([sys.executable, "-c", code], cwd=HERE, env=dict(os.environ, SKIP_MODEL_LOAD="1"),
                             capture_output=True, text=True, timeout=60, check=True).stdout
        self.assertEqual(out.strip(), "[]")

    def test_a_failed_load_is_a_503_with_a_message_and_its_trace_in_the_log(self):
        with self.assertLogs(self.inference.__name__, level="ERROR") as logged:
            status, body = answer(response := self.inference.handler(self.event, Context(60)))
        self.assertEqual(status, 503)
        self.assertEqual(body, {"error": "The model could not be loaded in this execution environment (the reason is in the "
                                         "function's log); the first request 60 s or more after the failure loads it again."})
        self.assertEqual(response["headers"]["retry-after"], "60")
        log = "\n".join(logged.output)
        self.assertIn("model load failed (attempt 1", log)
        self.assertIn("Stale file handle", log)

    def test_after_a_failure_requests_get_the_503_at_once_until_the_retry_is_due_then_the_load_runs_again(self):
        with self.assertLogs(self.inference.__name__, level="ERROR"):
            self.assertEqual(answer(self.inference.handler(self.event, Context(60)))[0], 503)
        self.now[0] += 59
        self.release.clear()  # a load started now would block: the answer below must not wait for one
        started = time.monotonic()
        response = self.inference.handler(self.event, Context(60))
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(response["statusCode"], 503)
        self.assertEqual(response["headers"]["retry-after"], "1")
        self.assertEqual(self.inference.LOADER.attempts, 1)
        self.release.set()
        self.now[0] += 1  # 60 s after the failure: this request loads again, and this time the load works
        self.fail = False
        self.assertEqual(answer(self.inference.handler(self.event, Context(60))), (200, {"bird_class": "106.Horned_Puffin"}))
        self.assertEqual(self.inference.LOADER.attempts, 2)
        self.assertEqual(answer(self.inference.handler(self.event, Context(60))), (200, {"bird_class": "106.Horned_Puffin"}))
        self.assertEqual(self.inference.LOADER.attempts, 2)

    def test_a_request_waits_for_the_load_only_while_it_has_more_than_the_reserve_left(self):
        self.fail = False
        self.release.clear()
        self.inference.LOADER.start()
        started = time.monotonic()
        response = self.inference.handler(self.event, Context(self.inference.ANSWER_RESERVE_SECONDS + 0.3))
        waited = time.monotonic() - started
        self.assertEqual(answer(response), (503, {"error": self.inference.STILL_LOADING}))
        self.assertEqual(response["headers"]["retry-after"], "5")
        self.assertGreaterEqual(waited, 0.25)
        self.assertLess(waited, 2.0)
        self.release.set()  # the load went on meanwhile; the next request gets its answer
        self.assertEqual(answer(self.inference.handler(self.event, Context(60))), (200, {"bird_class": "106.Horned_Puffin"}))
        self.assertEqual(self.inference.LOADER.attempts, 1)

    def test_bad_requests_are_answered_at_once_while_the_model_loads(self):
        self.fail = False
        self.release.clear()
        self.inference.LOADER.start()
        started = time.monotonic()
        self.assertEqual(answer(self.inference.handler(get("http://example.com/x.png", "/other"), Context(60)))[0], 404)
        self.assertEqual(answer(self.inference.handler({"requestContext": {"http": {"method": "PUT"}}}, Context(60)))[0], 400)
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertTrue(self.inference.LOADER.loading)

    def test_one_load_at_a_time(self):
        self.fail = False
        self.release.clear()
        for _ in range(3):
            self.inference.LOADER.start()
            self.inference.LOADER.check()
        self.release.set()
        self.assertEqual(answer(self.inference.handler(self.event, Context(60)))[0], 200)
        self.assertEqual(self.inference.LOADER.attempts, 1)


@unittest.skipIf(TORCH_MISSING, TORCH_MISSING or "")
class TorchThreadsForTheFunctionsMemory(unittest.TestCase):
    def setUp(self):
        self.inference = fresh_inference()
        self.saved_threads = torch.get_num_threads()

    def tearDown(self):
        torch.set_num_threads(self.saved_threads)

    def test_one_thread_per_1769_mb_at_most_6_and_at_most_the_cpus(self):
        threads = self.inference.torch_threads
        for memory, cpus, expected in ((3072, 2, 2), (3072, 1, 1), (3072, 8, 2), (128, 4, 1), (1769, 4, 1), (2654, 4, 2),
                                       (5307, 4, 3), (10240, 16, 6), (10240, 4, 4), ("3072", 8, 2)):
            with self.subTest(memory=memory, cpus=cpus):
                self.assertEqual(threads(memory, cpus), expected)
        for unset in ("", "not a number", "0"):
            with self.subTest(memory=unset), mock.patch.dict(os.environ, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": unset}):
                self.assertEqual(threads(cpu_count=3), 3)
        with mock.patch.dict(os.environ, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "6000"}):
            self.assertEqual(threads(cpu_count=8), 3)

    def test_the_forward_pass_runs_with_them_in_the_invoking_thread(self):
        model = FakeModel()
        self.inference.LOADER.set_model(model)
        self.inference.import_libraries()
        event = post(png((220, 20, 20)))
        with mock.patch.dict(os.environ, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1769"}):
            torch.set_num_threads(2)
            self.assertEqual(self.inference.handler(event, None)["statusCode"], 200)
        self.assertEqual(model.threads, [1])
        two = min(2, os.cpu_count() or 1)
        with mock.patch.dict(os.environ, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "3538"}):
            answers = []
            worker = threading.Thread(target=lambda: answers.append(self.inference.handler(event, None)))
            worker.start()
            worker.join(60)
        self.assertEqual(answers[0]["statusCode"], 200)
        self.assertEqual(model.threads, [1, two])


@unittest.skipIf(TORCH_MISSING, TORCH_MISSING or "")
class LoadingWithinTheInitBudget(unittest.TestCase):
    """Cold starts in a fresh process under lambda_harness: a 3 s init budget and a model load of 5 s.

    The budget stands in for Lambda's 10 s; it leaves room for a loaded CI machine to start
    Python and import the handler (1 s did not, with jest beside it), and the load outlasts it.
    """

    BUDGET = 3.0
    SLOW_LOAD = 5.0

    @classmethod
    def setUpClass(cls):
        cls.torch_home = tempfile.mkdtemp(prefix="torch-home-")
        make_local_hub(cls.torch_home)
        env = {k: v for k, v in os.environ.items() if k not in ("SKIP_MODEL_LOAD", "TORCH_HOME", "TINY_MODEL_LOAD_SECONDS")}
        cls.env = dict(env, TORCH_HOME=cls.torch_home, TINY_MODEL_LOAD_SECONDS=str(cls.SLOW_LOAD))
        cls.event = post(png((220, 20, 20)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.torch_home, ignore_errors=True)

    def cold_start(self, initialization_type, budget=None, env=None):
        return cold_start(HERE, self.event, env=env or self.env, initialization_type=initialization_type,
                          init_budget=budget or self.BUDGET, timeout=60, memory_mb=3072)

    def test_lambdas_budgets(self):
        self.assertEqual(init_budget_for("on-demand"), 10.0)
        self.assertEqual(init_budget_for("provisioned-concurrency", 300), 300.0)
        self.assertEqual(init_budget_for("snap-start", 60), 130.0)

    def test_on_demand_init_returns_within_the_budget_and_the_first_request_waits_for_the_load(self):
        run = self.cold_start("on-demand")
        self.assertFalse(run.restarted, run.stderr)
        self.assertLess(run.init_seconds, self.BUDGET)
        self.assertEqual(answer(run.answer), (200, {"bird_class": "106.Horned_Puffin"}))
        # The load ran after the init, while the first invocation waited for it.
        self.assertGreaterEqual(run.first_invoke_seconds, self.SLOW_LOAD - run.init_seconds)
        self.assertLess(run.first_answer_seconds, self.SLOW_LOAD + 30)

    def test_loading_at_init_as_before_passes_the_budget_and_the_init_is_run_again(self):
        # provisioned-concurrency makes the handler load at init, as every environment used to;
        # under an on-demand budget that init is stopped and run again inside the first invocation.
        run = self.cold_start("provisioned-concurrency")
        self.assertTrue(run.restarted, run.stderr)
        self.assertEqual(run.penalty_seconds, self.BUDGET)
        self.assertEqual([kind for kind, *_ in run.events], ["init-stopped", "init-done", "answered"])
        self.assertGreaterEqual(run.init_seconds, self.SLOW_LOAD)  # the re-run init: the whole load again
        self.assertGreaterEqual(run.first_answer_seconds, self.BUDGET + self.SLOW_LOAD)
        self.assertEqual(answer(run.answer), (200, {"bird_class": "106.Horned_Puffin"}))

    def test_provisioned_concurrency_loads_at_init(self):
        run = self.cold_start("provisioned-concurrency", budget=init_budget_for("provisioned-concurrency", 60))
        self.assertFalse(run.restarted, run.stderr)
        self.assertGreaterEqual(run.init_seconds, self.SLOW_LOAD)
        self.assertLess(run.handler_seconds, self.SLOW_LOAD / 2)  # the model was there when the request came
        self.assertEqual(answer(run.answer), (200, {"bird_class": "106.Horned_Puffin"}))

    def test_a_load_that_fails_is_a_prompt_503_with_a_message_and_a_logged_trace(self):
        empty = tempfile.mkdtemp(prefix="torch-home-empty-")
        try:
            run = self.cold_start("on-demand", env=dict(self.env, TORCH_HOME=empty, TINY_MODEL_LOAD_SECONDS="0"))
        finally:
            shutil.rmtree(empty, ignore_errors=True)
        self.assertFalse(run.restarted)
        status, body = answer(run.answer)
        self.assertEqual(status, 503)
        self.assertIn("could not be loaded", body["error"])
        self.assertEqual(run.answer["headers"]["retry-after"], "60")
        self.assertIn("model load failed", run.stderr)
        self.assertIn("hubconf.py", run.stderr)  # the trace is in the log, not in the answer
        self.assertNotIn("hubconf", body["error"])
        self.assertLess(run.first_invoke_seconds, 30)


if __name__ == "__main__":
    unittest.main()
