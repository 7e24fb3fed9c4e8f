"""End-to-end tests of the inference handler with a small model in a local torch hub.

Needs torch, torchvision and Pillow (Debian: python3-torch python3-torchvision python3-pil);
without them every test here is skipped with a message. No model is downloaded: the tests
write a hub repository with the reference model's entry point and return shape, and its
weights into the hub's checkpoint cache, under a temporary TORCH_HOME (tiny_model, through
test_support). Nothing leaves the machine: images come from a server on 127.0.0.1, host
names are resolved by a stub, and a guard fails any other connection.
"""

import base64
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import unittest
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_support import (MALFORMED_URLS, PUBLIC_IPV4, NoNetwork, allow_local_server, fuzzed_urls,  # noqa: E402
                          image_bytes, make_local_hub, png, production_rules, resolving_to, serve, stop)

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
            cls.inference.MODEL = cls.inference.load_model()
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
        self.assertEqual(len(self.inference.MODEL.bird_classes), 200)
        self.assertFalse(self.inference.MODEL.training)

    def test_get_with_a_url_answers_the_bird_class(self):
        self.assertEqual(self.call(get(self.base + "/red.png")), (200, {"bird_class": "106.Horned_Puffin"}))
        self.assertEqual(self.call(get(self.base + "/blue.png")), (200, {"bird_class": "053.Western_Grebe"}))

    def test_post_with_a_base64_image_answers_the_bird_class(self):
        event = {"requestContext": {"http": {"method": "POST"}}, "body": base64.b64encode(png((20, 20, 220))).decode(), "isBase64Encoded": True}
        self.assertEqual(self.call(event), (200, {"bird_class": "053.Western_Grebe"}))

    def test_preprocessing_is_the_reference_one(self):
        batch = self.inference.PREPROCESS(Image.new("RGB", (1000, 700), (255, 255, 255))).unsqueeze(0)
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
        saved = self.inference.MODEL
        self.inference.MODEL = None
        try:
            with self.assertLogs("inference", level="ERROR") as logged:  # the trace goes to the log, not the client
                status, body = self.call(get(self.base + "/red.png"))
        finally:
            self.inference.MODEL = saved
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


if __name__ == "__main__":
    unittest.main()
