"""The vendored static files (htmx, Mermaid, the app's CSS and script), served from the package.

Files kept gzipped in the package (Mermaid: 3.5 MB, 1 MB gzipped) are sent as they are to browsers that accept
gzip and unpacked once for those that do not. Every response carries a strong ETag and may be cached.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from archqa.serve.auth import PUBLIC, requires

TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@lru_cache(maxsize=32)
def _asset(name: str) -> tuple[bytes, bool, str] | None:
    """(bytes, gzipped, etag) of a static file, or None."""
    if "/" in name.strip("/").replace("vendor/", "", 1) or ".." in name:
        return None
    root = resources.files("archqa.serve") / "static"
    for candidate, gz in ((name, False), (name + ".gz", True)):
        f = root.joinpath(*candidate.split("/"))
        if f.is_file():
            data = f.read_bytes()
            return data, gz, '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
    return None


def asset_bytes(name: str) -> bytes:
    """A static file's content, unpacked (for the HTML export and Anki, which embed Mermaid)."""
    found = _asset(name)
    if found is None:
        raise FileNotFoundError(name)
    data, gz, _ = found
    return gzip.decompress(data) if gz else data


@lru_cache(maxsize=8)
def _unpacked(name: str) -> bytes:
    return asset_bytes(name)


@requires(PUBLIC)
async def static(request: Request) -> Response:
    name = request.path_params["name"]
    found = _asset(name)
    suffix = "." + name.rsplit(".", 1)[-1]
    if found is None or suffix not in TYPES:
        return PlainTextResponse("not found", status_code=404)
    data, gz, etag = found
    headers = {"etag": etag, "cache-control": "public, max-age=86400", "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if gz:
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["content-encoding"] = "gzip"
        else:
            data = _unpacked(name)
    return Response(data, media_type=TYPES[suffix], headers=headers)


ROUTES = [Route("/static/{name:path}", static, name="static")]
