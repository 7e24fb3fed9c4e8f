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

The model is loaded once per execution environment, at init, from the torch hub cache under
``TORCH_HOME`` (on EFS, filled at deploy time by EfsDependencyInstaller): the hub repository
is loaded from its local directory and its weights from the hub's checkpoint cache, so
loading needs no network. Libraries come from ``PYTHONPATH`` on EFS as well.
"""

import base64
import binascii
import io
import json
import logging
import os
import warnings

import torch
from PIL import Image, UnidentifiedImageError
from torchvision import transforms

import safe_fetch

LOGGER = logging.getLogger(__name__)

MODEL_REPO = os.environ.get("MODEL_REPO", "nicolalandro/ntsnet-cub200")
MODEL_ENTRY_POINT = os.environ.get("MODEL_ENTRY_POINT", "ntsnet")
MODEL_KWARGS = {"topN": 6, "device": "cpu", "num_classes": 200}
MAX_IMAGE_BYTES = int(os.environ.get("MAX_IMAGE_BYTES", str(10 * 1024 * 1024)))
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(40_000_000)))
FETCH_TIMEOUT_SECONDS = float(os.environ.get("FETCH_TIMEOUT_SECONDS", "10"))

# The route of the reference deployment; "/" answers too.
ROUTE = "/MLInference"
NOT_FOUND = f"Not found. Use GET {ROUTE}?url=<image url> or POST an image to {ROUTE} (or to /)."

# The formats decoded, in Pillow's names, with their media types (for the fetch's Accept header);
# only those this Pillow build can read.
Image.init()
ACCEPTED_FORMATS = tuple(f for f in ("JPEG", "PNG", "GIF", "WEBP") if f in Image.OPEN)
ACCEPT_HEADER = ", ".join(f"image/{f.lower()}" for f in ACCEPTED_FORMATS)

# Exactly the reference's pre-processing.
PREPROCESS = transforms.Compose([
    transforms.Resize((600, 600), interpolation=transforms.InterpolationMode.BILINEAR),
    transforms.CenterCrop((448, 448)),
    transforms.ToTensor(),
    transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
])


class HttpError(Exception):
    """A client error whose message is safe to return; ``status`` is its HTTP status."""

    status = 400


class BadRequest(HttpError):
    status = 400


class NotFound(HttpError):
    status = 404


class UnsupportedImage(HttpError):
    status = 415


def local_hub_repo(repo):
    """Where ``torch.hub`` caches a GitHub repository: ``<hub dir>/<owner>_<name>_<branch>``."""
    owner, _, rest = repo.partition("/")
    name, _, branch = rest.partition(":")
    return os.path.join(torch.hub.get_dir(), f"{owner}_{name}_{branch or 'master'}")


def load_model():
    """Load the hub model from the local cache only: ``source='local'`` never touches the network."""
    model = torch.hub.load(local_hub_repo(MODEL_REPO), MODEL_ENTRY_POINT, source="local", pretrained=True, **MODEL_KWARGS)
    model.eval()
    return model


def classify(model, image_bytes):
    image = open_image(image_bytes)
    batch = PREPROCESS(image).unsqueeze(0)
    with torch.no_grad():
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
        return image.convert("RGB")
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


def image_from_event(event):
    route_path(event)
    method = request_method(event)
    if method == "GET":
        params = event.get("queryStringParameters") or {}
        url = params.get("url") if isinstance(params, dict) else None
        if not url:
            raise BadRequest("Pass the image as ?url=<http or https URL>, or POST it as the body.")
        try:
            return safe_fetch.fetch(url, MAX_IMAGE_BYTES, FETCH_TIMEOUT_SECONDS, accept=ACCEPT_HEADER)
        except safe_fetch.FetchError as error:
            raise BadRequest(str(error))
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
        return data
    raise BadRequest("Use GET ?url=<image url> or POST an image.")


def respond(status, payload):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(payload)}


MODEL = None


def handler(event, context):
    """Lambda entry point: always answers JSON, never a stack trace."""
    try:
        return respond(200, {"bird_class": classify(MODEL, image_from_event(event))})
    except HttpError as error:
        return respond(error.status, {"error": str(error)})
    except Exception:  # pylint: disable=broad-except
        LOGGER.exception("inference failed")
        return respond(500, {"error": "Internal error: the image was not classified."})


# Init phase: load once per execution environment (provisioned concurrency does this ahead of time).
if os.environ.get("SKIP_MODEL_LOAD") != "1":
    MODEL = load_model()
