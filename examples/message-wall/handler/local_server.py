"""Serve the MessageWall handler over HTTP on 127.0.0.1, with a local directory as the EFS mount.

Each request is turned into the API Gateway HTTP API (payload 2.0) event Lambda would
receive, and the handler's answer into the HTTP response. A path under ``/default/`` is sent
as API Gateway sends a request to the stage ``default`` (rawPath with the stage in front,
``requestContext.stage`` "default"), any other path as a request to the ``$default`` stage; so
the reference URL ``https://<api>/default/MessageWall`` is ``http://127.0.0.1:8080/default/MessageWall``:

    python3 examples/message-wall/handler/local_server.py --dir /tmp/message-wall --port 8080
    curl http://127.0.0.1:8080/default/MessageWall
    curl -X POST -d 'Hello from EFS!' http://127.0.0.1:8080/default/MessageWall
    curl http://127.0.0.1:8080/MessageWall          # the same wall, as are / and /default/
    curl http://127.0.0.1:8080/wall/team            # another wall (also /default/wall/team)
"""

import argparse
import base64
import os
import sys
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import message_wall  # noqa: E402  (the handler next to this file)

# HTTP API passes these bodies as text; any other content type arrives base64-encoded.
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")
# The stage of the reference deployment: its URLs are https://<api>/default/MessageWall.
NAMED_STAGE = "default"


def is_text(content_type):
    return content_type is not None and content_type.lower().startswith(TEXT_TYPES)


def stage_of(path):
    """The stage API Gateway would route the path to: ``default`` under /default/, else ``$default``."""
    return NAMED_STAGE if path == "/" + NAMED_STAGE or path.startswith(f"/{NAMED_STAGE}/") else "$default"


def to_event(method, target, headers, body, client_ip):
    """Build the payload 2.0 event of one request; on a named stage rawPath keeps the stage in front."""
    url = urlsplit(target)
    lowered = {name.lower(): value for name, value in headers.items()}
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": url.path or "/",
        "rawQueryString": url.query,
        "headers": lowered,
        "requestContext": {
            "accountId": "local",
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "http": {
                "method": method,
                "path": url.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": client_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": f"local-{time.time_ns()}",
            "routeKey": "$default",
            "stage": stage_of(url.path or "/"),
            "time": datetime.now(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if body:
        if is_text(lowered.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


class LambdaProxy(BaseHTTPRequestHandler):
    server_version = "MessageWallLocal/1.0"

    def handle_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        event = to_event(self.command, self.path, dict(self.headers.items()), body, self.client_address[0])
        answer = message_wall.handler(event, None)
        payload = answer.get("body", "").encode("utf-8")
        self.send_response(answer.get("statusCode", 200))
        for name, value in answer.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = handle_any

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if not self.server.quiet:
            super().log_message(format, *args)


def make_server(directory, port=0, quiet=False):
    """A server on 127.0.0.1 (port 0 picks a free one) whose handler uses ``directory`` as the mount."""
    os.makedirs(directory, exist_ok=True)
    os.environ["MOUNT_PATH"] = os.path.abspath(directory)
    server = ThreadingHTTPServer(("127.0.0.1", port), LambdaProxy)
    server.quiet = quiet
    return server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=os.path.join(os.getcwd(), ".message-wall"), help="directory standing in for the EFS mount")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    server = make_server(args.dir, args.port)
    print(f"MessageWall on http://127.0.0.1:{server.server_address[1]}/{NAMED_STAGE}/MessageWall "
          f"(mount: {os.environ['MOUNT_PATH']})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
