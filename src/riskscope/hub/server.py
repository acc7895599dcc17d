"""Running the hub with uvicorn: in the foreground (`riskscope hub serve`) or in a background
thread on a free loopback port (tests and benchmarks drive the real server this way)."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

from riskscope.hub.extra import require_web_stack


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_hub(root, host: str = "127.0.0.1", port: int = 8765,
              max_upload_bytes: int | None = None, log_level: str = "info") -> None:
    """Serve the hub at root until interrupted."""
    require_web_stack()
    import uvicorn

    from riskscope.hub.app import create_app
    from riskscope.hub.service import DEFAULT_MAX_UPLOAD_BYTES

    app = create_app(root, max_upload_bytes=max_upload_bytes or DEFAULT_MAX_UPLOAD_BYTES,
                     builtin_claims="background")
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False,
                proxy_headers=False)


class BackgroundHub:
    """A real uvicorn server for the hub at `root` on a free port of 127.0.0.1, in a thread.

        with BackgroundHub(root) as hub:
            urllib.request.urlopen(hub.url + "/api/runs")
    """

    def __init__(self, root, max_upload_bytes: int | None = None,
                 builtin_claims: str = "now", log_level: str = "warning"):
        require_web_stack()
        import uvicorn

        from riskscope.hub.app import create_app
        from riskscope.hub.service import DEFAULT_MAX_UPLOAD_BYTES

        self.app = create_app(root, max_upload_bytes=max_upload_bytes
                              or DEFAULT_MAX_UPLOAD_BYTES, builtin_claims=builtin_claims)
        self.hub = self.app.state.hub
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level=log_level, server_header=False,
                                lifespan="off", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self, timeout: float = 30.0) -> BackgroundHub:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the hub server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()

    def __enter__(self) -> BackgroundHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


__all__ = ["BackgroundHub", "is_loopback", "serve_hub"]
