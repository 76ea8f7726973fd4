"""`archqa serve`: the library in the browser (Starlette, Jinja2 templates, vendored htmx and Mermaid).

The web app only calls the library: pages are grouped by what they do (``browse``, and the modules that
``app.PAGE_MODULES`` lists), each module lists its ``ROUTES``, and ``app.create_app`` assembles them, so
imports run one way. Nothing is fetched from the network: every asset ships in the package.
"""

from archqa.serve.app import create_app
from archqa.serve.config import ServeConfig

__all__ = ["ServeConfig", "create_app"]
