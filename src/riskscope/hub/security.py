"""HTTP headers that keep a hub page safe even if a user string slipped through escaping.

Pages: scripts, styles and images only from the hub itself (no inline script or style at all),
no plugins, no foreign frames, forms post only to the hub, and the pages cannot be framed by
another site. A run's report (HTML its publisher's machine built) is served with its own
policy: CSP `sandbox` (an opaque origin, no scripts, no forms, no navigation of the parent),
nothing loaded from anywhere except `data:` images and its inline styles; the run page embeds
it in an `<iframe sandbox>` as well.
"""

from __future__ import annotations

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
REPORT_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: COMMON_HEADERS on every response, PAGE_CSP and `X-Frame-Options:
    DENY` unless the response set its own policy (the report does)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in COMMON_HEADERS.items():
                    if key.encode() not in present:
                        headers.append((key.encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["COMMON_HEADERS", "PAGE_CSP", "REPORT_CSP", "SecurityHeaders"]
