"""End-to-end tests of the inference handler with a small model in a local torch hub.

Needs torch, torchvision and Pillow (Debian: python3-torch python3-torchvision python3-pil);
without them every test here is skipped with a message. No model is downloaded: the tests
write a hub repository with the reference model's entry point and return shape, and its
weights into the hub's checkpoint cache, under a temporary TORCH_HOME.
"""

import base64
import importlib
import io
import ipaddress
import json
import os
import shutil
import socket
import sys
import tempfile
import textwrap
import unittest
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_safe_fetch import serve, stop  # noqa: E402  (the same local server helpers)

try:
    import torch
    from PIL import Image
    TORCH_MISSING = None
except ImportError as error:  # pragma: no cover - depends on the machine
    TORCH_MISSING = f"torch, torchvision and Pillow are needed ({error}); on Debian: apt-get install python3-torch python3-torchvision python3-pil"

HUBCONF = textwrap.dedent('''
    """A stand-in for nicolalandro/ntsnet-cub200: same entry point, arguments and return shape."""
    dependencies = ["torch"]

    import torch
    from torch import nn

    CHECKPOINT_URL = "https://models.invalid/ntsnet-tiny.pth"
    BIRD_CLASSES = [f"{i:03d}.Bird_{i}" for i in range(1, 201)]
    BIRD_CLASSES[105] = "106.Horned_Puffin"
    BIRD_CLASSES[52] = "053.Western_Grebe"


    class TinyNts(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(3, num_classes)

        def forward(self, x):
            logits = self.fc(self.pool(x).flatten(1))
            # NTS-Net answers (top_n_coordinates, concat_out, raw_logits, concat_logits, part_logits, top_n_index, top_n_prob)
            return None, logits, logits, logits, logits, None, None


    def ntsnet(pretrained=False, topN=6, device="cpu", num_classes=200):
        model = TinyNts(num_classes)
        model.bird_classes = BIRD_CLASSES
        if pretrained:
            model.load_state_dict(torch.hub.load_state_dict_from_url(CHECKPOINT_URL, map_location=device, progress=False))
        return model.to(device)
''')


def make_local_hub(torch_home):
    """Write the hub repository and its trained weights where torch.hub would cache them."""
    hub = os.path.join(torch_home, "hub")
    repo = os.path.join(hub, "nicolalandro_ntsnet-cub200_master")
    os.makedirs(repo)
    with open(os.path.join(repo, "hubconf.py"), "w", encoding="utf-8") as f:
        f.write(HUBCONF)
    # Weights: a red image scores highest on class 106, a blue one on class 053.
    fc = torch.nn.Linear(3, 200)
    with torch.no_grad():
        fc.weight.zero_()
        fc.bias.zero_()
        fc.weight[105, 0] = 1.0
        fc.weight[52, 2] = 1.0
    os.makedirs(os.path.join(hub, "checkpoints"))
    torch.save({"fc.weight": fc.weight.detach().clone(), "fc.bias": fc.bias.detach().clone()}, os.path.join(hub, "checkpoints", "ntsnet-tiny.pth"))


def png(color, size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


class Images(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        bodies = {"/red.png": png((220, 20, 20)), "/blue.png": png((20, 20, 220)), "/page.html": b"<html>not a bird</html>"}
        body = bodies.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


class NoNetwork:
    """Fail any outgoing connection while active."""

    def __enter__(self):
        self.saved = socket.socket.connect, socket.create_connection

        def refuse(*args, **kwargs):
            raise AssertionError("network access while loading the model")
        socket.socket.connect = refuse
        socket.create_connection = refuse

    def __exit__(self, *exc):
        socket.socket.connect, socket.create_connection = self.saved


def get(url):
    return {"version": "2.0", "requestContext": {"http": {"method": "GET"}}, "queryStringParameters": {"url": url}}


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
        # Loopback is allowed only here, by code: the local server stands in for the internet.
        self.safe_fetch.ALLOWED_TEST_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]

    def tearDown(self):
        self.safe_fetch.ALLOWED_TEST_NETWORKS = []

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


if __name__ == "__main__":
    unittest.main()
