"""MLInference: classify the bird in an image with a PyTorch Hub model cached on EFS.

A Lambda handler for API Gateway HTTP API events (payload 2.0).

    GET  /MLInference?url=<image url>   -> {"bird_class": "<class name>"}
    POST /MLInference <image bytes>     -> the same, for an image sent in the body (base64 by the HTTP API)

Paths: ``/`` and ``/MLInference`` (a trailing slash is ignored). On a named stage the HTTP API
puts the stage in ``rawPath`` (the reference's ``GET https://<api>/default/MLInference?url=...``
arrives as ``/default/MLInference`` with ``requestContext.stage`` ``default``), so a leading
``/<stage>`` is removed unless the stage is ``$default``. An event without ``rawPath`` (a direct
invocation) is taken as ``/``. Any other path is a 404.

Images: JPEG, PNG, GIF (first frame) and WebP only (``ACCEPTED_FORMATS``); Pillow is told to try
no other decoder. Another format Pillow recognises from its first bytes is a 415 naming the
accepted formats; data that is no image at all is a 400. At most ``MAX_IMAGE_BYTES`` (default
10 MiB) and ``MAX_IMAGE_PIXELS`` (default 40 megapixels, checked from the header before decoding).

URLs are fetched by ``safe_fetch`` (public addresses only, ports from ``ALLOWED_PORTS``, one
deadline of ``FETCH_TIMEOUT_SECONDS``, default 10 s, for the whole fetch including redirects);
each of its refusals is a 400 with its message. Every answer is JSON; an internal failure is a
500 whose trace goes to the log only.

The model comes from the torch hub cache under ``TORCH_HOME`` (on EFS, filled at deploy time by
EfsDependencyInstaller): the hub repository is loaded from its local directory and its weights
from the hub's checkpoint cache, so loading needs no network. Pillow, torch and torchvision
come from ``PYTHONPATH`` on EFS as well.

Loading within the init budget
------------------------------
Lambda gives the init phase of an on-demand execution environment 10 s (extensions, runtime
and this module's import together). Past that, Lambda stops the init and runs it again inside
the first invocation: the caller loses the 10 s and then waits for the whole load once more.
Importing torch and loading the model from EFS takes longer than 10 s (about 30 s in the
reference), so when the load runs depends on ``AWS_LAMBDA_INITIALIZATION_TYPE``:

- ``on-demand``, unset, or any value not named below: the import reads nothing from EFS (only
  the standard library and ``safe_fetch``, which ship in the function's package). It starts one
  background thread that imports Pillow and torch and loads the model, and returns within
  milliseconds, so the init never reaches the 10 s limit. The first invocation checks its
  request, fetches the image while the load goes on, then waits for the load and answers.
  (When Lambda initialises an environment ahead of a request, it freezes it after the init;
  the load then carries on when the first request thaws it.)
- ``provisioned-concurrency`` and ``snap-start``: the load runs in the init, to the end. Those
  inits may take up to the function's timeout (at least 130 s), no caller waits for them, and a
  SnapStart snapshot must hold the loaded model, not a thread half way through loading it.

``SKIP_MODEL_LOAD=1`` (the tests and the bench) loads nothing at init: the first invocation
starts the load.

A load that fails is logged with its trace (``model load failed``) and never hangs an
invocation: each one waiting for it answers 503 with a JSON ``error`` and a ``Retry-After``
header. The load is retried, in the background, by the first invocation that arrives
``MODEL_RETRY_SECONDS`` (default 60) or more after the failure, which then waits for it as the
first invocation did; invocations before that answer the 503 at once, reading nothing from
EFS. Retrying heals a passing failure (EFS throughput spent, a slow mount) without waiting for
Lambda to replace the environment; the pause keeps a set that cannot load from turning every
request into another full read of the libraries from EFS. An invocation waits for a load only
while it has more than ``ANSWER_RESERVE_SECONDS`` (5 s) left: past that it answers 503 (the
model is still loading) and the load goes on for the next request, so Lambda never has to
time the invocation out.

Threads: torch runs the model on one thread per vCPU Lambda gives the function, which is about
one per 1,769 MB of memory (``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``):
``max(1, min(6, round(memory / 1769)))``, and never more than ``os.cpu_count()``; 2 at the
reference's 3 GB (3072 / 1769 = 1.74). Without the variable (a local run) it is
``os.cpu_count()``. The setting is applied in the thread that runs the model, before each
forward pass: with torch's OpenMP backend a thread count set in another thread (the loading
one) does not reach it.
"""

import base64
import binascii
import io
import json
import logging
import math
import os
import threading
import time
import urllib.parse
import warnings

import safe_fetch

LOGGER = logging.getLogger(__name__)

MODEL_REPO = os.environ.get("MODEL_REPO", "nicolalandro/ntsnet-cub200")
MODEL_ENTRY_POINT = os.environ.get("MODEL_ENTRY_POINT", "ntsnet")
MODEL_KWARGS = {"topN": 6, "device": "cpu", "num_classes": 200}
MAX_IMAGE_BYTES = int(os.environ.get("MAX_IMAGE_BYTES", str(10 * 1024 * 1024)))
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
FETCH_TIMEOUT_SECONDS = float(os.environ.get("FETCH_TIMEOUT_SECONDS", "10"))
MODEL_RETRY_SECONDS = float(os.environ.get("MODEL_RETRY_SECONDS", "60"))

# Initialisation types whose init loads the model to the end (see the module docstring).
LOAD_AT_INIT = ("provisioned-concurrency", "snap-start")
# An invocation stops waiting for the model when this much of it is left.
ANSWER_RESERVE_SECONDS = 5.0
# How long an invocation without a Lambda context (a local call) waits for the model: the function's timeout.
DEFAULT_WAIT_SECONDS = 300.0
# Lambda gives about one vCPU per this many MB of memory, and at most 6.
MB_PER_VCPU = 1769
MAX_VCPUS = 6

# The route of the reference deployment; "/" answers too.
ROUTE = "/MLInference"
NOT_FOUND = f"Not found. Use GET {ROUTE}?url=<image url> or POST an image to {ROUTE} (or to /)."

# The formats decoded, in Pillow's names; once Pillow is imported, only those this build can read.
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
ACCEPT_HEADER = ", ".join(f"image/{f.lower()}" for f in ACCEPTED_FORMATS)

# The reference's pre-processing: resize to 600x600 (bilinear), center-crop 448x448, to tensor, normalize.
RESIZE = (600, 600)
CROP = (448, 448)
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

# Imported by import_libraries(), from EFS: off the init path of an on-demand environment.
torch = None
Image = None
UnidentifiedImageError = None
_MEAN = _STD = None


def import_libraries():
    """Import Pillow and torch (the slow part of a cold start: they are read from EFS)."""
    global torch, Image, UnidentifiedImageError, ACCEPTED_FORMATS, _MEAN, _STD  # pylint: disable=global-statement
    import torch as torch_module  # pylint: disable=import-outside-toplevel,redefined-outer-name
    from PIL import Image as image_module, UnidentifiedImageError as unidentified  # pylint: disable=import-outside-toplevel
    image_module.init()
    ACCEPTED_FORMATS = tuple(f for f in ACCEPTED_FORMATS if f in image_module.OPEN)
    _MEAN = torch_module.as_tensor(MEAN, dtype=torch_module.float32).view(-1, 1, 1)
    _STD = torch_module.as_tensor(STD, dtype=torch_module.float32).view(-1, 1, 1)
    Image, UnidentifiedImageError = image_module, unidentified
    torch = torch_module


def torch_threads(memory_mb=None, cpu_count=None):
    """The threads torch should use: one per vCPU Lambda gives the function's memory, at most the CPUs seen."""
    cpus = cpu_count or os.cpu_count() or 1
    if memory_mb is None:
        memory_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    try:
        memory = float(memory_mb) if memory_mb not in (None, "") else None
    except ValueError:
        memory = None
    if memory is None or memory <= 0:
        return cpus
    return max(1, min(MAX_VCPUS, round(memory / MB_PER_VCPU), cpus))


def use_torch_threads():
    """Apply ``torch_threads()`` to the calling thread (torch's OpenMP setting is per thread)."""
    threads = torch_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


class HttpError(Exception):
    """A client error whose message is safe to return; ``status`` is its HTTP status."""

    status = 400
    headers = {}


class BadRequest(HttpError):
    status = 400


class NotFound(HttpError):
    status = 404


class UnsupportedImage(HttpError):
    status = 415


class ModelUnavailable(HttpError):
    """No model to answer with yet: still loading, or the load failed. Says when to try again."""

    status = 503

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.headers = {"retry-after": str(max(1, math.ceil(retry_after)))}


STILL_LOADING = "The model is still loading in this execution environment (a cold start); try again in a few seconds."
STILL_LOADING_RETRY_SECONDS = 5


def load_failed_message(retry_seconds):
    return (f"The model could not be loaded in this execution environment (the reason is in the function's log); "
            f"the first request {retry_seconds:g} s or more after the failure loads it again.")


class ModelLoader:
    """The model of one execution environment: loaded once, in a background thread or at once; invocations wait for it.

    ``load`` is the function that loads it; a failed load is retried by the first ``get`` or
    ``check`` ``retry_seconds`` or more after the failure (see the module docstring).
    """

    def __init__(self, load, retry_seconds=MODEL_RETRY_SECONDS, clock=time.monotonic):
        self._load = load
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._done = threading.Event()
        self.model = None
        self.loading = False
        self.failed_at = None
        self.attempts = 0
        self.load_seconds = None

    def start(self):
        """Start a load in a background thread, unless the model is loaded or a load is running."""
        with self._lock:
            if not self._begin():
                return
        threading.Thread(target=self._run, name="model-load", daemon=True).start()

    def load_now(self):
        """Load in the calling thread, to the end (a load already running is waited for)."""
        with self._lock:
            begun = self._begin()
        if begun:
            self._run()
        else:
            self._done.wait()

    def set_model(self, model):
        """Use ``model`` as this environment's model (tests, the bench)."""
        with self._lock:
            self.model, self.loading, self.failed_at = model, False, None
            self._done.set()

    def _begin(self):
        """Under the lock: mark a load as started; False when there is nothing to start."""
        if self.model is not None or self.loading:
            return False
        self.loading = True
        self.attempts += 1
        self._done.clear()
        return True

    def _run(self):
        started = self._clock()
        model = None
        try:
            model = self._load()
        except Exception:  # pylint: disable=broad-except  (any failure of the load becomes a 503, logged here)
            LOGGER.exception("model load failed (attempt %d, after %.1f s)", self.attempts, self._clock() - started)
        finally:
            with self._lock:
                self.loading = False
                if model is None:
                    self.failed_at = self._clock()
                else:
                    self.model, self.failed_at = model, None
                    self.load_seconds = self._clock() - started
                self._done.set()
        if model is not None:
            LOGGER.info("model loaded in %.1f s (attempt %d)", self.load_seconds, self.attempts)

    def check(self):
        """Raise ModelUnavailable at once after a failed load not yet due for a retry; start the load when one is due."""
        with self._lock:
            if self.model is not None or self.loading:
                return
            if self.failed_at is not None:
                wait = self.failed_at + self.retry_seconds - self._clock()
                if wait > 0:
                    raise ModelUnavailable(load_failed_message(self.retry_seconds), wait)
        self.start()

    def get(self, timeout):
        """The model, waiting up to ``timeout`` seconds for a load in progress; ModelUnavailable when there is none."""
        self.check()
        if not self._done.wait(max(0.0, timeout)):
            raise ModelUnavailable(STILL_LOADING, STILL_LOADING_RETRY_SECONDS)
        with self._lock:
            if self.model is not None:
                return self.model
        raise ModelUnavailable(load_failed_message(self.retry_seconds), self.retry_seconds)


def local_hub_repo(repo):
    """Where ``torch.hub`` caches a GitHub repository: ``<hub dir>/<owner>_<name>_<branch>``."""
    owner, _, rest = repo.partition("/")
    name, _, branch = rest.partition(":")
    return os.path.join(torch.hub.get_dir(), f"{owner}_{name}_{branch or 'master'}")


class CheckpointNotInstalled(Exception):
    """The hub repository asked for a checkpoint that is not in the hub's checkpoint cache."""


def cached_checkpoint_weights_only(url, model_dir=None, map_location=None, progress=True, check_hash=False, file_name=None, weights_only=True):
    """``torch.hub.load_state_dict_from_url`` as the handler allows it while the model loads.

    The hub repository's entry point calls it for its trained weights. torch's own version
    downloads a missing file at run time (from a URL the repository names, unpinned) and
    unpickles it with ``weights_only=False``, which runs whatever code the pickle holds. Here
    the file must already be in the cache, where the installer put it (checked against its
    SHA-256 when the stack pins one), and it is read with ``weights_only=True``: tensors and
    plain containers only, never code.
    """
    del progress, check_hash, weights_only  # nothing is downloaded; weights only, always
    directory = model_dir or os.path.join(torch.hub.get_dir(), "checkpoints")
    name = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    path = os.path.join(directory, name)
    if not os.path.isfile(path):
        raise CheckpointNotInstalled(f"checkpoint {name} is not in {directory}: the dependency installer puts it there; nothing is downloaded at run time")
    return torch.load(path, map_location=map_location, weights_only=True)


def load_model():
    """Import the libraries, then load the hub model from the local cache only.

    ``source='local'`` never touches the network for the repository; its checkpoint is read
    from the cache with ``weights_only=True`` (``cached_checkpoint_weights_only``), in place of
    torch's downloader while the entry point runs.
    """
    import_libraries()
    use_torch_threads()
    downloader = torch.hub.load_state_dict_from_url
    torch.hub.load_state_dict_from_url = cached_checkpoint_weights_only
    try:
        model = torch.hub.load(local_hub_repo(MODEL_REPO), MODEL_ENTRY_POINT, source="local", pretrained=True, **MODEL_KWARGS)
    finally:
        torch.hub.load_state_dict_from_url = downloader
    model.eval()
    return model


def preprocess(image):
    """The reference's pre-processing of an RGB image, as a (3, 448, 448) float tensor.

    The same values, bit for bit, as torchvision's ``Resize((600, 600), BILINEAR)``,
    ``CenterCrop((448, 448))``, ``ToTensor()``, ``Normalize(MEAN, STD)`` on a PIL image (a test
    compares them): Pillow resizes and crops as torchvision asks it to; the conversion to floats
    and the normalisation run in place on one buffer instead of four.
    """
    image = image.resize(RESIZE, Image.BILINEAR)
    width, height = RESIZE
    crop_width, crop_height = CROP
    top, left = int(round((height - crop_height) / 2.0)), int(round((width - crop_width) / 2.0))
    image = image.crop((left, top, left + crop_width, top + crop_height))
    pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(crop_height, crop_width, 3)
    batch = pixels.permute(2, 0, 1).contiguous().to(torch.float32).div_(255)
    return batch.sub_(_MEAN).div_(_STD)


def classify(model, image_bytes):
    image = open_image(image_bytes)
    batch = preprocess(image).unsqueeze(0)
    use_torch_threads()
    with torch.inference_mode():
        _, _, _, concat_logits, _, _, _ = model(batch)
    index = int(concat_logits.max(1)[1][0])
    return model.bird_classes[index]


def open_image(image_bytes):
    """Decode an image of an accepted format to RGB, or raise an HttpError saying why not."""
    # Pillow refuses images over twice this as decompression bombs; we refuse anything over it.
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(image_bytes), formats=ACCEPTED_FORMATS)
        width, height = image.size  # read from the header, before any pixel is decoded
        if width * height > MAX_IMAGE_PIXELS:
            raise BadRequest(f"The image has {width * height} pixels; the limit is {MAX_IMAGE_PIXELS}.")
        image.load()
        return image if image.mode == "RGB" else image.convert("RGB")
    except Image.DecompressionBombError:
        raise BadRequest(f"The image has more than {MAX_IMAGE_PIXELS} pixels.")
    except UnidentifiedImageError:
        other = other_image_format(image_bytes)
        if other:
            raise UnsupportedImage(f"The image is {other}; accepted formats: {', '.join(ACCEPTED_FORMATS)}.")
        raise BadRequest("The data is not an image that can be read.")
    except (OSError, SyntaxError, ValueError):
        raise BadRequest("The data is not an image that can be read.")


def other_image_format(image_bytes):
    """The name of a format that is not accepted but whose signature starts ``image_bytes``, or None.

    Only Pillow's signature checks run (a look at the first 16 bytes, as Image.open does first),
    never another format's decoder.
    """
    prefix = image_bytes[:16]
    for name, (_, accept) in Image.OPEN.items():
        if name in ACCEPTED_FORMATS or accept is None:
            continue
        try:
            result = accept(prefix)
        except Exception:  # pylint: disable=broad-except  (a signature check that cannot read a short prefix)
            continue
        if result and not isinstance(result, (str, bytes)):
            return name
    return None


def request_method(event):
    """requestContext.http.method of a payload 2.0 event, or None when the event has no such shape."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    http = context.get("http") if isinstance(context, dict) else None
    return http.get("method") if isinstance(http, dict) else None


def route_path(event):
    """The request path with a leading ``/<stage>`` removed (see the module docstring); NotFound unless it is ours."""
    raw = event.get("rawPath") if isinstance(event, dict) else None
    path = raw if isinstance(raw, str) and raw else "/"
    context = event.get("requestContext") if isinstance(event, dict) else None
    stage = context.get("stage") if isinstance(context, dict) else None
    if isinstance(stage, str) and stage and stage != "$default":
        prefix = "/" + stage
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix):] or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    if path not in ("/", ROUTE):
        raise NotFound(NOT_FOUND)
    return path


def image_source(event):
    """Check the request, without any network or model: a function that returns the image's bytes (fetching a URL)."""
    route_path(event)
    method = request_method(event)
    if method == "GET":
        params = event.get("queryStringParameters") or {}
        url = params.get("url") if isinstance(params, dict) else None
        if not url:
            raise BadRequest("Pass the image as ?url=<http or https URL>, or POST it as the body.")

        def fetch():
            try:
                return safe_fetch.fetch(url, MAX_IMAGE_BYTES, FETCH_TIMEOUT_SECONDS, accept=ACCEPT_HEADER)
            except safe_fetch.FetchError as error:
                raise BadRequest(str(error))
        return fetch
    if method == "POST":
        body = event.get("body")
        if not isinstance(body, str) or not body:
            raise BadRequest("POST the image as the request body.")
        if event.get("isBase64Encoded"):
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise BadRequest("The body is flagged base64 but is not valid base64.")
        else:
            data = body.encode("utf-8", errors="surrogatepass")
        if len(data) > MAX_IMAGE_BYTES:
            raise BadRequest(f"The image is larger than {MAX_IMAGE_BYTES} bytes.")
        return lambda: data
    raise BadRequest("Use GET ?url=<image url> or POST an image.")


def respond(status, payload, headers=None):
    return {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})}, "body": json.dumps(payload)}


def wait_seconds(context):
    """How long this invocation may wait for the model: its time left less ANSWER_RESERVE_SECONDS."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return DEFAULT_WAIT_SECONDS
    return max(0.0, remaining() / 1000 - ANSWER_RESERVE_SECONDS)


LOADER = ModelLoader(load_model)


def handler(event, context):
    """Lambda entry point: always answers JSON, never a stack trace."""
    try:
        source = image_source(event)         # a bad request is answered at once, even while the model loads
        LOADER.check()                       # so is a failed load not yet due for a retry (no fetch, no EFS)
        image_bytes = source()               # the fetch overlaps a load still running
        model = LOADER.get(wait_seconds(context))
        return respond(200, {"bird_class": classify(model, image_bytes)})
    except HttpError as error:
        return respond(error.status, {"error": str(error)}, error.headers)
    except Exception:  # pylint: disable=broad-except
        LOGGER.exception("inference failed")
        return respond(500, {"error": "Internal error: the image was not classified."})


def init():
    """The init phase's part: load at init, start the load in the background, or nothing (see the module docstring)."""
    initialization_type = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") or "on-demand"
    if os.environ.get("SKIP_MODEL_LOAD") == "1":
        return "skipped"
    if initialization_type in LOAD_AT_INIT:
        LOADER.load_now()
        return "loaded"
    LOADER.start()
    return "started"


INIT = init()
