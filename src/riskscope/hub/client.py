"""A small HTTP client for a hub (standard library only): JSON calls, a streamed upload and a
streamed download, each with an optional progress callback. Refusals become `HubRequestError`
carrying the hub's own message, which the CLI prints."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

from riskscope.core.errors import RiskscopeError, SpecError

CHUNK = 256 << 10
Progress = Callable[[int], None]


class HubRequestError(RiskscopeError):
    """The hub refused a request or could not be reached; `status` is the HTTP status (0: no
    answer)."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


def check_hub_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpecError("--hub", url, "an http:// or https:// URL, e.g. http://127.0.0.1:8765")
    return url.rstrip("/")


def path_of(*segments: str) -> str:
    """'/api/runs/<quoted>' from segments (each quoted, so a name cannot change the path)."""
    return "/" + "/".join(quote(s, safe="") for s in segments)


class HubClient:
    def __init__(self, url: str, token: str | None = None, timeout: float = 600.0):
        self.url = check_hub_url(url)
        parts = urlsplit(self.url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _connection(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"accept": "application/json", "user-agent": "riskscope-hub-client"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    def _fail(self, response: http.client.HTTPResponse, what: str) -> None:
        raw = response.read(1 << 20)
        try:
            message = json.loads(raw).get("error") or raw.decode("utf-8", "replace")
        except (ValueError, AttributeError):
            message = raw.decode("utf-8", "replace")[:500]
        raise HubRequestError(f"{what}: the hub answered {response.status}: {message}",
                              response.status)

    def _unreachable(self, exc: OSError) -> HubRequestError:
        return HubRequestError(f"cannot reach the hub at {self.url} ({exc})")

    def request_json(self, method: str, path: str, body: bytes | None = None,
                     content_type: str = "application/json", what: str = "request") -> dict:
        conn = self._connection()
        try:
            headers = self._headers({"content-type": content_type} if body is not None else None)
            conn.request(method, self.prefix + path, body=body, headers=headers)
            return self._answer(conn, what)
        except OSError as exc:
            raise self._unreachable(exc) from None
        finally:
            conn.close()

    def _answer(self, conn, what: str) -> dict:
        """The response's JSON, or the hub's error message raised (`_fail`)."""
        response = conn.getresponse()
        if response.status >= 400:
            self._fail(response, what)
        return json.loads(response.read())

    def get_json(self, path: str, what: str = "request") -> dict:
        return self.request_json("GET", path, what=what)

    def post_json(self, path: str, data: dict, what: str = "request") -> dict:
        return self.request_json("POST", path, json.dumps(data).encode(), what=what)

    def upload(self, path: str, file: Path, progress: Progress | None = None,
               what: str = "publish") -> dict:
        """POST the file's bytes in chunks (Content-Length known up front)."""
        size = os.path.getsize(file)
        conn = self._connection()
        try:
            conn.putrequest("POST", self.prefix + path)
            for key, value in self._headers({"content-type": "application/octet-stream",
                                             "content-length": str(size)}).items():
                conn.putheader(key, value)
            conn.endheaders()
            try:
                with open(file, "rb") as handle:
                    while chunk := handle.read(CHUNK):
                        conn.send(chunk)
                        if progress:
                            progress(len(chunk))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the hub stopped reading (e.g. over its size limit): its answer follows
            return self._answer(conn, what)
        except OSError as exc:
            raise self._unreachable(exc) from None
        finally:
            conn.close()

    def download(self, path: str, target: Path, progress: Progress | None = None,
                 total: Callable[[int | None], None] | None = None,
                 what: str = "download") -> dict:
        """GET into `target` (written to a temporary name, renamed when complete); returns
        the response headers."""
        conn = self._connection()
        partial = target.with_name(f".{target.name}.part")
        try:
            conn.request("GET", self.prefix + path, headers=self._headers(
                {"accept": "application/octet-stream"}))
            response = conn.getresponse()
            if response.status >= 400:
                self._fail(response, what)
            length = response.getheader("content-length")
            if total:
                total(int(length) if length and length.isdigit() else None)
            with open(partial, "wb") as handle:
                while chunk := response.read(CHUNK):
                    handle.write(chunk)
                    if progress:
                        progress(len(chunk))
            os.replace(partial, target)
            return {k.lower(): v for k, v in response.getheaders()}
        except OSError as exc:
            raise self._unreachable(exc) from None
        finally:
            partial.unlink(missing_ok=True)
            conn.close()


__all__ = ["HubClient", "HubRequestError", "check_hub_url", "path_of"]
