"""The web app, assembled here from the page modules; they never import this module.

Endpoints are plain functions (run in Starlette's thread pool, next to SQLite and the grader) or coroutines;
each page module lists its ``ROUTES``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from archqa.serve import assets, browse, generate, interview, oidc, practice, progress, signin, team
from archqa.serve.auth import SessionAuth
from archqa.serve.config import ServeConfig
from archqa.serve.data import Library
from archqa.serve.security import SecurityHeaders
from archqa.serve.templating import error_page

PAGE_MODULES = (assets, browse, practice, progress, generate, interview, signin, oidc, team)
"""The modules whose ``ROUTES`` make up the app."""


def create_app(config: ServeConfig | None = None) -> Starlette:
    """The app over ``config``'s store and bank. Serve it with uvicorn (``archqa serve`` does)."""
    config = config or ServeConfig()
    routes: list[BaseRoute] = [r for module in PAGE_MODULES for r in module.ROUTES]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=config.hosts()),
            Middleware(SecurityHeaders),
            Middleware(SessionAuth),
            Middleware(GZipMiddleware, minimum_size=1024, compresslevel=1),
        ],
        exception_handlers={404: _not_found, 500: _server_error},
    )
    app.state.config = config
    app.state.library = Library(config)
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_page(
        request, status_code=404, active="", message="There is no page here.", hint="Use the links above."
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        status_code=500,
        active="",
        message=f"Something failed: {exc}",
        hint="The terminal running archqa serve shows the details.",
    )
