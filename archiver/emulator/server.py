"""The emulator's HTTP server: standard library only, HTTP/1.1 with keep-alive.

`EmulatorServer` runs in a daemon thread for tests and demos (`start`/`stop`, or as a
context manager), or in the foreground for the command line (`serve_forever`, `serve`).
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import urlsplit

from archiver.emulator.api import AuthoringApi
from archiver.emulator.faults import FaultInjector
from archiver.emulator.protocol import (
    ApiError,
    Request,
    Response,
    error_response,
    query_api_version,
)
from archiver.emulator.scenario import Fault, Scenario, load_scenario, parse_fault
from archiver.emulator.state import EmulatorState
from archiver.emulator.store import ProjectStore

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024 * 1024
IDLE_CONNECTION_SECONDS = 30.0
# stop() waits up to one poll interval; tests start and stop many emulators.
BACKGROUND_POLL_SECONDS = 0.02

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_HOST_HEADER = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")

_SocketRequest = socket.socket | tuple[bytes, socket.socket]
ScenarioSource = Scenario | Mapping[str, Any] | Path | str | None


class EmulatorServer:
    """A local emulator of the text authoring API of one Language resource.

    `data_dir` holds the projects (created if missing) and survives restarts; jobs live
    in memory. Requests must carry `key` in `Ocp-Apim-Subscription-Key`. With
    `job_delay` D seconds, a job is `notStarted` for D/3, `running` until D, then done.
    `scenario` (a `Scenario`, its JSON as a mapping, or the path of a JSON file) adds
    quotas, timings and faults; it can be replaced or extended while serving.
    """

    def __init__(
        self,
        data_dir: Path,
        key: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        job_delay: float = 0.0,
        scenario: ScenarioSource = None,
    ) -> None:
        if not key:
            raise ValueError("the emulator needs a non-empty key")
        if job_delay < 0:
            raise ValueError(f"job_delay must not be negative, got {job_delay}")

        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        self._job_delay = job_delay
        self._faults = FaultInjector(load_scenario(scenario))
        state = EmulatorState(ProjectStore(self.data_dir), self._faults.timing(job_delay))
        self._api = AuthoringApi(state, key, self._faults)
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._loop_started = False
        self._lifecycle = threading.Lock()

    @property
    def url(self) -> str:
        """The base URL clients use as the endpoint, without a trailing slash."""
        if self._http is None:
            raise RuntimeError("the emulator is not listening; call start() first")
        return _base_url(self.host, self.port)

    @property
    def scenario(self) -> Scenario:
        """The scenario in force."""
        return self._faults.scenario

    @scenario.setter
    def scenario(self, source: ScenarioSource) -> None:
        """Replaces the scenario: counters and rate limits start afresh; jobs under way
        keep the timing they were given."""
        scenario = load_scenario(source)
        with self._api.state.lock:
            self._faults.replace(scenario)
            self._api.state.timing = self._faults.timing(self._job_delay)

    def add_fault(self, fault: Fault | Mapping[str, Any]) -> None:
        """Adds one fault (a `Fault` or its JSON as a mapping) to the scenario in force."""
        self._faults.add(fault if isinstance(fault, Fault) else parse_fault(fault))

    def start(self) -> EmulatorServer:
        """Starts serving in a daemon thread and returns self."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the emulator is already serving")

        http = self._listen()
        self._loop_started = True
        self._thread = threading.Thread(
            target=http.serve_forever,
            kwargs={"poll_interval": BACKGROUND_POLL_SECONDS},
            name=f"emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving, closes the socket and open connections; safe to call twice."""
        with self._lifecycle:
            http, self._http = self._http, None
            if http is None:
                return

            # shutdown() waits for a serving loop, so it must not run when none was started.
            if self._loop_started:
                http.shutdown()
                self._loop_started = False
            http.close_connections()
            http.server_close()

        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        logger.info("emulator stopped")

    def serve_forever(self) -> None:
        """Serves in this thread until Ctrl-C, SIGTERM or `stop()` from another thread."""
        http = self._listen()
        logger.info("emulator listening on %s (data: %s)", self.url, self.data_dir)

        restore_handler = _stop_on_sigterm()
        try:
            self._loop_started = True
            http.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            logger.debug("emulator interrupted")
        finally:
            restore_handler()
            self.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _listen(self) -> _HttpServer:
        """Binds the socket once; later calls return the same server."""
        with self._lifecycle:
            if self._http is None:
                self._http = _HttpServer((self.host, self.port), self._api)
                self.port = self._http.server_port
                if self.host not in _LOOPBACK_HOSTS:
                    logger.warning("emulator reachable from other hosts on %s", self.host)
            return self._http


def serve(
    data_dir: Path,
    key: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    job_delay: float = 0.0,
    scenario: ScenarioSource = None,
    rate_limits: bool = False,
    latency: float | None = None,
    time_scale: float | None = None,
) -> None:
    """Runs the emulator in the foreground until Ctrl-C or SIGTERM.

    The first line on stdout is the base URL, so a script that starts the emulator with
    port 0 learns the port by reading one line. The same URL is logged at INFO.
    `rate_limits`, `latency` and `time_scale` are command-line options laid over the
    scenario: the service's quotas (unless the scenario sets its own), seconds added to
    every request, and the factor applied to every duration. A scenario that cannot be
    used raises `ScenarioError` before anything listens.
    """
    chosen = load_scenario(scenario).with_options(
        rate_limits=rate_limits, latency=latency, time_scale=time_scale
    )
    server = EmulatorServer(
        data_dir, key, host=host, port=port, job_delay=job_delay, scenario=chosen
    )
    server._listen()
    logger.info("emulator scenario: %s", describe_scenario(chosen))

    sys.stdout.write(f"{server.url}\n")
    sys.stdout.flush()
    server.serve_forever()


def describe_scenario(scenario: Scenario) -> str:
    """One line on what a scenario changes, for the log."""
    parts = [f"{len(scenario.faults)} fault(s)"]
    limits = scenario.rate_limits
    if limits is not None:
        parts.append(
            f"rate limits {limits.post} writes / {limits.get} reads per {limits.window:g} s"
        )
    if scenario.latency:
        parts.append(f"latency {scenario.latency:g} s")
    if scenario.time_scale != 1:
        parts.append(f"time scale {scenario.time_scale:g}")
    return ", ".join(parts)


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _stop_on_sigterm() -> Callable[[], object]:
    """Makes SIGTERM stop the foreground loop like Ctrl-C; returns an undo function."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


class _HttpServer(ThreadingHTTPServer):
    """Threading server that knows its open connections, so `stop` can close them."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: AuthoringApi) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.api = api
        self.own_url = _base_url(address[0], self.server_port)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: _SocketRequest, client_address: Any) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: _SocketRequest) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: _SocketRequest, client_address: Any) -> None:
        logger.debug("connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "archiver-emulator"
    sys_version = ""
    timeout = IDLE_CONNECTION_SECONDS
    # Headers and body leave in two writes; Nagle's algorithm would hold the second one
    # back until the client's delayed acknowledgement, some 40 ms per response.
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path only: the query is harmless, but headers (the key) never reach the log.
        logger.debug("%s %s %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("http: " + format, *args)

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except ApiError as error:
            # The unread body would be taken for the next request, so the connection ends.
            self.close_connection = True
            self._send(error_response(error, query_api_version(self.path)))
            return

        request = Request(
            method=self.command,
            target=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=self._base_url(),
        )
        response = self.server.api.handle(request)
        if response.drop:
            # The socket closes with no answer at all, as a broken network path would.
            self.close_connection = True
            return
        self._send(response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise ApiError(411, "InvalidRequest", "Send the body with a Content-Length.")

        length_text = self.headers.get("Content-Length", "0")
        if not length_text.isdigit():
            raise ApiError(400, "InvalidRequest", "The Content-Length header is not valid.")

        length = int(length_text)
        if length > MAX_BODY_BYTES:
            message = f"The request body exceeds the emulator's {MAX_BODY_BYTES} bytes."
            raise ApiError(413, "InvalidRequest", message)
        return self.rfile.read(length)

    def _base_url(self) -> str:
        """The endpoint as the client named it, for absolute URLs in responses."""
        host = self.headers.get("Host", "")
        if _HOST_HEADER.fullmatch(host):
            return f"http://{host}"
        return self.server.own_url

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("apim-request-id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

        self.wfile.write(response.body)
