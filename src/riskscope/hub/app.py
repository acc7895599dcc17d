"""The hub's ASGI application (Starlette): server-rendered pages and the JSON API behind them.

Pages: /  (gallery)   /runs/{run}   /runs/{run}/report (sandboxed)   /studies/{study}
       /claims   /claims/{id}   /compare?a=RUN&b=RUN
API (schema `riskscope.hub/1`, docs/hub.md): /api, /api/runs, /api/runs/{run},
       /api/runs/{run}/bundle, /api/runs/{run}/withdraw, /api/runs/{run}/reproductions,
       /api/studies, /api/studies/{study}, /api/claims, /api/claims/{id}, /api/compare
Reading is open; POSTs need `Authorization: Bearer <token>` (401 without a valid one). Every
refusal under /api is a JSON object {"error": message, "status": code}; an unexpected failure
is a 500 with a generic message (the traceback goes to the server's log only).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from riskscope.core.errors import RiskscopeError, SpecError
from riskscope.hub.errors import HubError, TooLarge, Unauthorized
from riskscope.hub.pooling import study_detail
from riskscope.hub.queries import (
    API_SCHEMA,
    SORT_KEYS,
    claim_detail,
    claims_board,
    list_runs,
    resolve_run,
    run_detail,
)
from riskscope.hub.render import environment
from riskscope.hub.security import REPORT_CSP, SecurityHeaders
from riskscope.hub.service import DEFAULT_MAX_UPLOAD_BYTES, Hub
from riskscope.hub.users import user_for_token

log = logging.getLogger("riskscope.hub")
STATIC = Path(__file__).with_name("static")
MAX_JSON_BYTES = 1 << 20
MAX_CLAIM_BYTES = 64 << 10


def gallery_links(data: dict) -> dict:
    """Query strings for the gallery's pager and sortable headers, keeping the filters."""
    base = {k: v for k, v in data["filters"].items() if v}
    base.update(sort=data["sort"], order=data["order"], per_page=data["per_page"])

    def link(**changes) -> str:
        return "/?" + urlencode({**base, **changes})

    flip = {"asc": "desc", "desc": "asc"}
    return {"prev": link(page=data["page"] - 1) if data["page"] > 1 else None,
            "next": link(page=data["page"] + 1) if data["page"] < data["pages"] else None,
            "sort": {key: link(sort=key, order=flip[data["order"]] if key == data["sort"]
                               else "asc", page=1) for key in SORT_KEYS}}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


class HubApp:
    """Route handlers over one `Hub`; `create_app` wires them into Starlette."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self.templates = environment()

    # -- helpers -----------------------------------------------------------------------------
    def page(self, name: str, status: int = 200, **context) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    async def read(self, fn, *args, **kwargs):
        """fn(connection, …) in a worker thread, on that thread's own connection."""
        return await run_in_threadpool(lambda: fn(self.hub.db(), *args, **kwargs))

    async def user(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("this needs a member's token: send `Authorization: Bearer "
                               "<token>` (the hub's operator creates one with "
                               "`riskscope hub add-user NAME`)")
        name = await self.read(user_for_token, token.strip())
        if name is None:
            raise Unauthorized("the token is not valid on this hub")
        return name

    async def body(self, request: Request, limit: int, what: str) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"{what} of {declared} bytes is over this hub's limit of {limit}")
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                raise TooLarge(f"{what} is over this hub's limit of {limit} bytes")
        return bytes(data)

    async def json_body(self, request: Request) -> dict:
        raw = await self.body(request, MAX_JSON_BYTES, "the request body")
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise HubError("the request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise HubError("the request body must be a JSON object")
        return data

    # -- API ---------------------------------------------------------------------------------
    async def api_index(self, request: Request) -> JSONResponse:
        return JSONResponse({"schema": API_SCHEMA, "endpoints": {
            "GET /api/runs": "published runs; ?study= &task= &author= &claim= &sort= "
                             "&order= &page= &per_page=",
            "POST /api/runs": "publish a bundle (body: the bundle file; token)",
            "GET /api/runs/{run}": "one run: record, claims, reproductions",
            "GET /api/runs/{run}/bundle": "the bundle file",
            "POST /api/runs/{run}/withdraw": "hide a run you published ({reason}; token)",
            "POST /api/runs/{run}/reproductions": "record a reproduction (token)",
            "GET /api/studies": "studies with their run counts",
            "GET /api/studies/{study}": "a study's runs, pooled where specs agree",
            "GET /api/claims": "the claims board",
            "POST /api/claims": "publish a claim (body: claim TOML; token)",
            "GET /api/claims/{id}": "one claim and its verdict on each run",
            "GET /api/compare?a=RUN&b=RUN": "compare two runs",
        }})

    async def api_runs(self, request: Request) -> JSONResponse:
        q = request.query_params
        data = await self.read(list_runs, study=q.get("study") or None,
                               task=q.get("task") or None, author=q.get("author") or None,
                               claim=q.get("claim") or None, sort=q.get("sort", "published"),
                               order=q.get("order", "desc"), page=q.get("page"),
                               per_page=q.get("per_page"))
        return JSONResponse(data)

    async def api_publish(self, request: Request) -> JSONResponse:
        user = await self.user(request)
        limit = self.hub.max_upload_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"the bundle ({declared} bytes) is over this hub's upload limit of "
                           f"{limit} bytes")
        upload = self.hub.new_upload_path()
        try:
            size = 0
            with open(upload, "wb") as handle:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"the bundle is over this hub's upload limit of "
                                       f"{limit} bytes")
                    handle.write(chunk)
            if size == 0:
                raise HubError("the request body is empty: send the bundle file's bytes")
            outcome = await run_in_threadpool(self.hub.publish, upload, user)
        finally:
            upload.unlink(missing_ok=True)
        outcome["url"] = f"/runs/{outcome['digest']}"
        return JSONResponse({"schema": API_SCHEMA, **outcome},
                            status_code=201 if outcome["created"] else 200)

    async def api_run(self, request: Request) -> JSONResponse:
        return JSONResponse(await self.read(run_detail, request.path_params["run"]))

    async def bundle(self, request: Request) -> FileResponse:
        row, path = await run_in_threadpool(self.hub.bundle_path, request.path_params["run"])
        name = f"{row['run_id'][:80]}-{row['digest'][:12]}.rsbundle"
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return FileResponse(path, media_type="application/octet-stream", filename=safe,
                            headers={"x-bundle-digest": row["digest"]})

    async def api_withdraw(self, request: Request) -> JSONResponse:
        user = await self.user(request)
        data = await self.json_body(request)
        outcome = await run_in_threadpool(self.hub.withdraw, request.path_params["run"], user,
                                          data.get("reason"))
        return JSONResponse({"schema": API_SCHEMA, **outcome})

    async def api_reproduction(self, request: Request) -> JSONResponse:
        user = await self.user(request)
        data = await self.json_body(request)
        outcome = await run_in_threadpool(self.hub.add_reproduction,
                                          request.path_params["run"], user, data)
        return JSONResponse({"schema": API_SCHEMA, **outcome}, status_code=201)

    async def api_studies(self, request: Request) -> JSONResponse:
        def studies(db):
            rows = db.execute("SELECT study, count(*) AS runs FROM runs WHERE withdrawn_at "
                              "IS NULL GROUP BY study ORDER BY study").fetchall()
            return {"schema": API_SCHEMA, "studies": [dict(r) for r in rows]}

        return JSONResponse(await self.read(studies))

    async def api_study(self, request: Request) -> JSONResponse:
        q = request.query_params
        return JSONResponse(await self.read(study_detail, request.path_params["study"],
                                            q.get("page"), q.get("per_page")))

    async def api_claims(self, request: Request) -> JSONResponse:
        return JSONResponse(await self.read(claims_board))

    async def api_publish_claim(self, request: Request) -> JSONResponse:
        user = await self.user(request)
        raw = await self.body(request, MAX_CLAIM_BYTES, "the claim")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HubError("the claim is not UTF-8 text") from None
        outcome = await run_in_threadpool(self.hub.add_claim, text, user)
        outcome["url"] = f"/claims/{outcome['id']}"
        return JSONResponse({"schema": API_SCHEMA, **outcome},
                            status_code=201 if outcome["created"] else 200)

    async def api_claim(self, request: Request) -> JSONResponse:
        return JSONResponse(await self.read(claim_detail, request.path_params["claim"]))

    async def api_compare(self, request: Request) -> JSONResponse:
        q = request.query_params
        data = await run_in_threadpool(self.hub.compare, q.get("a", ""), q.get("b", ""))
        return JSONResponse({"schema": API_SCHEMA, **data})

    async def api_health(self, request: Request) -> JSONResponse:
        def health(db):
            runs = db.execute("SELECT count(*) FROM runs WHERE withdrawn_at IS NULL").fetchone()
            return {"schema": API_SCHEMA, "ok": True, "runs": runs[0]}

        return JSONResponse(await self.read(health))

    # -- pages -------------------------------------------------------------------------------
    async def gallery(self, request: Request) -> HTMLResponse:
        q = request.query_params
        data = await self.read(list_runs, study=q.get("study") or None,
                               task=q.get("task") or None, author=q.get("author") or None,
                               claim=q.get("claim") or None, sort=q.get("sort", "published"),
                               order=q.get("order", "desc"), page=q.get("page"),
                               per_page=q.get("per_page"))
        return self.page("gallery.html", data=data, links=gallery_links(data), title="Runs")

    async def run_page(self, request: Request) -> HTMLResponse:
        data = await self.read(run_detail, request.path_params["run"])

        def others(db):
            return db.execute("SELECT digest, name, author FROM runs WHERE study = ? AND "
                              "digest != ? AND withdrawn_at IS NULL ORDER BY published_at DESC "
                              "LIMIT 200", (data["study"], data["digest"])).fetchall()

        report = self.hub.paths.run_dir(data["digest"]) / "report.html"
        return self.page("run.html", run=data, others=[dict(r) for r in await self.read(others)],
                         has_report=report.exists(), title=data["name"])

    async def report(self, request: Request) -> Response:
        row = await self.read(resolve_run, request.path_params["run"])
        path = self.hub.paths.inside(self.hub.paths.run_dir(row["digest"]) / "report.html")
        if not path.exists():
            raise HTTPException(404, "this bundle carries no report")
        return FileResponse(path, media_type="text/html; charset=utf-8",
                            headers={"content-security-policy": REPORT_CSP,
                                     "x-frame-options": "SAMEORIGIN"})

    async def study_page(self, request: Request) -> HTMLResponse:
        q = request.query_params
        data = await self.read(study_detail, request.path_params["study"], q.get("page"),
                               q.get("per_page"))
        base = f"/studies/{quote(data['study'], safe='')}?per_page={data['per_page']}&page="
        links = {"prev": base + str(data["page"] - 1) if data["page"] > 1 else None,
                 "next": base + str(data["page"] + 1) if data["page"] < data["pages"] else None}
        return self.page("study.html", study=data, links=links, title=f"Study {data['study']}")

    async def publish_page(self, request: Request) -> HTMLResponse:
        return self.page("publish.html", title="Publish")

    async def board_page(self, request: Request) -> HTMLResponse:
        return self.page("claims.html", board=await self.read(claims_board), title="Claims")

    async def claim_page(self, request: Request) -> HTMLResponse:
        data = await self.read(claim_detail, request.path_params["claim"])
        data["runs_plot"] = [{"label": f"{r['name']} ({r['author']})", "estimate": r["estimate"],
                              "low": r["interval"][0], "high": r["interval"][1],
                              "verdict": r["verdict"]} for r in data["runs"]]
        boundary = data["runs"][0]["detail"].get("boundary") if data["runs"] else None
        data["boundary"] = tuple(boundary) if boundary else (None, None)
        return self.page("claim.html", claim=data, title=f"Claim {data['id']}")

    async def compare_page(self, request: Request) -> HTMLResponse:
        q = request.query_params
        data = await run_in_threadpool(self.hub.compare, q.get("a", ""), q.get("b", ""))
        return self.page("compare.html", cmp=data, title="Compare")

    # -- errors ------------------------------------------------------------------------------
    def error(self, request: Request, status: int, message: str) -> Response:
        headers = {"www-authenticate": "Bearer"} if status == 401 else None
        if _is_api(request) or request.method != "GET":
            return JSONResponse({"error": message, "status": status}, status_code=status,
                                headers=headers)
        return self.page("error.html", status=status, code=status, message=message, title="Error")

    async def on_hub_error(self, request: Request, exc: Exception) -> Response:
        # HubError: its own status; a malformed argument: 400; a refused bundle or claim: 422
        status = (exc.status if isinstance(exc, HubError)
                  else 400 if isinstance(exc, SpecError) else 422)
        return self.error(request, status, str(exc))

    async def on_http_error(self, request: Request, exc: HTTPException) -> Response:
        return self.error(request, exc.status_code, str(exc.detail))

    async def on_unexpected(self, request: Request, exc: Exception) -> Response:
        log.exception("unexpected failure on %s %s", request.method, request.url.path)
        return self.error(request, 500, "internal error; the hub's log has the details")


def _add_builtin_claims(hub: Hub) -> None:
    try:
        added = hub.add_builtin_claims()
        log.info("built-in claims added: %s", ", ".join(added) or "none new")
    except Exception:
        log.exception("the built-in claims could not be added")


def create_app(root, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               builtin_claims: str = "now") -> Starlette:
    """The hub application over the root directory `root` (created when missing).

    builtin_claims: "now" adds the built-in claims the hub lacks before returning,
    "background" in a thread (the server answers at once; the board fills in a few seconds:
    loading the claims imports the studies), "no" leaves them out."""
    if builtin_claims not in ("now", "background", "no"):
        raise ValueError(f"builtin_claims={builtin_claims!r}: now, background or no")
    hub = Hub(root, max_upload_bytes=max_upload_bytes)
    if builtin_claims == "now":
        hub.add_builtin_claims()
    elif builtin_claims == "background":
        threading.Thread(target=_add_builtin_claims, args=(hub,), name="builtin-claims",
                         daemon=True).start()
    h = HubApp(hub)
    routes = [
        Route("/", h.gallery),
        Route("/runs/{run}", h.run_page),
        Route("/runs/{run}/report", h.report),
        Route("/runs/{run}/bundle", h.bundle),
        Route("/studies/{study}", h.study_page),
        Route("/publish", h.publish_page),
        Route("/claims", h.board_page),
        Route("/claims/{claim}", h.claim_page),
        Route("/compare", h.compare_page),
        Route("/api", h.api_index),
        Route("/api/health", h.api_health),
        Route("/api/runs", h.api_runs, methods=["GET"]),
        Route("/api/runs", h.api_publish, methods=["POST"]),
        Route("/api/runs/{run}", h.api_run),
        Route("/api/runs/{run}/bundle", h.bundle),
        Route("/api/runs/{run}/withdraw", h.api_withdraw, methods=["POST"]),
        Route("/api/runs/{run}/reproductions", h.api_reproduction, methods=["POST"]),
        Route("/api/studies", h.api_studies),
        Route("/api/studies/{study}", h.api_study),
        Route("/api/claims", h.api_claims, methods=["GET"]),
        Route("/api/claims", h.api_publish_claim, methods=["POST"]),
        Route("/api/claims/{claim}", h.api_claim),
        Route("/api/compare", h.api_compare),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={RiskscopeError: h.on_hub_error,
                                        HTTPException: h.on_http_error,
                                        Exception: h.on_unexpected})
    app.state.hub = hub
    return app


__all__ = ["HubApp", "create_app"]
