"""The ML handler (examples/ml-inference/handler, built into this example's image) reading its
model from a local folder that stands for the S3 Files mount.

The folder is laid out as the mount shows the bucket after the upload command of the stack's
UploadModel output: objects under ``ml/model/`` of the bucket, seen through the access point
``/ml`` mounted at ``/mnt/inference``, are ``/mnt/inference/model/...``, and the stack sets
``TORCH_HOME`` to that directory. The model is the small hub model of the ML tests (same entry
point, same return shape, weights that make a red image a Horned Puffin), written where the
upload puts the real one. No library is on the mount: torch comes from the image (here, from
the machine). Needs torch, torchvision and Pillow; skipped with a message without them.
"""

import base64
import importlib
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ML_HANDLER = os.path.join(HERE, "..", "..", "ml-inference", "handler")
sys.path.insert(0, ML_HANDLER)
from test_support import NoNetwork, image_bytes, make_local_hub  # noqa: E402

# The stack's MODEL_DIRECTORY (examples/ml-inference-s3files/ml-inference-s3files-stack.ts;
# test/examples-s3files.test.ts checks that the two agree).
MODEL_DIRECTORY = "model"

try:
    import torch  # noqa: F401
    TORCH_MISSING = None
except ImportError as error:  # pragma: no cover - depends on the machine
    TORCH_MISSING = f"torch, torchvision and Pillow are needed ({error}); on Debian: apt-get install python3-torch python3-torchvision python3-pil"


@unittest.skipIf(TORCH_MISSING, TORCH_MISSING or "")
class ModelFromTheS3FilesMount(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mount = tempfile.mkdtemp(prefix="mnt-inference-")
        cls.torch_home = os.path.join(cls.mount, MODEL_DIRECTORY)
        make_local_hub(cls.torch_home)
        cls.saved = {k: os.environ.get(k) for k in ("TORCH_HOME", "SKIP_MODEL_LOAD", "PYTHONPATH")}
        os.environ["TORCH_HOME"] = cls.torch_home
        os.environ["SKIP_MODEL_LOAD"] = "1"
        os.environ.pop("PYTHONPATH", None)
        import inference
        cls.inference = importlib.reload(inference)
        with NoNetwork():
            cls.inference.LOADER.set_model(cls.inference.load_model())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.mount, ignore_errors=True)
        for key, value in cls.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def test_the_model_is_read_from_the_mount_layout_the_upload_makes(self):
        # The tiny model's checkpoint has its own name; the real one is nts_net_cub200.pt, in the same directory.
        self.assertTrue(os.path.isfile(os.path.join(self.mount, MODEL_DIRECTORY, "hub", "checkpoints", "ntsnet-tiny.pth")))
        self.assertEqual(self.inference.local_hub_repo(self.inference.MODEL_REPO),
                         os.path.join(self.torch_home, "hub", "nicolalandro_ntsnet-cub200_master"))
        self.assertEqual(len(self.inference.LOADER.model.bird_classes), 200)

    def test_the_reference_like_image_is_classified_as_the_seed_answers(self):
        event = {"version": "2.0", "requestContext": {"http": {"method": "POST"}},
                 "body": base64.b64encode(image_bytes((220, 20, 20), image_format="PNG")).decode(), "isBase64Encoded": True}
        answer = self.inference.handler(event, None)
        self.assertEqual((answer["statusCode"], json.loads(answer["body"])), (200, {"bird_class": "106.Horned_Puffin"}))


if __name__ == "__main__":
    unittest.main()
