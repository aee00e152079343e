"""The first page after login: what needs attention today."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from stockroom.web.pages import page_router, render
from stockroom.web.session import SignedIn

router = page_router()


@router.get("/")
def dashboard(request: Request, actor: SignedIn) -> HTMLResponse:
    return render(request, "dashboard.html")
