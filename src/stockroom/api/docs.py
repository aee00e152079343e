"""Swagger UI at ``/docs``, with its script, stylesheet and favicon served by Stockroom.

FastAPI's own ``/docs`` loads them from a public CDN, so on a machine without internet
the page stays blank. The files are vendored from npm's ``swagger-ui-dist`` (see
``static/swagger-ui/README.md``) and ship inside the package.
"""

import re
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from stockroom.api import headers
from stockroom.api.security import PUBLIC

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS_DIR = Path(__file__).parent / "static" / "swagger-ui"
# Swagger UI shows a badge fetched from an online validator unless told not to.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(dependencies=[PUBLIC], include_in_schema=False)


@router.get(DOCS_PATH, response_class=HTMLResponse, name="docs_swagger_ui")
def swagger_ui(request: Request) -> HTMLResponse:
    """The interactive API reference, built from the app's OpenAPI document."""
    root = request.scope.get("root_path", "")
    assets = f"{root}{ASSETS_PATH}"
    page = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} API",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon-32x32.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    # The page starts Swagger UI with one inline script: only that script may run inline.
    scripts = INLINE_SCRIPT.findall(bytes(page.body).decode())
    page.headers["content-security-policy"] = headers.docs_policy(scripts)
    return page


def install(app: FastAPI) -> None:
    """Serve the docs page (create the app with ``docs_url=None``) and its assets."""
    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs_assets")
