"""Bot API calls over aiohttp: PTB's networking interface (`BaseRequest`), at about a third of httpx's CPU per call.

python-telegram-bot sends every call through a `BaseRequest`; its default, `HTTPXRequest`, spends ~1.1 ms of CPU
per call in httpx/httpcore/anyio (BENCHMARKS.md, inbound). aiohttp's client (C-accelerated HTTP parsing, no anyio
layer) makes the same call for less, on the same event loop. PTB's own
contrib repository keeps an aiohttp request of this shape; it is not published as a package, so this is ours.

What PTB expects of it, kept as HTTPXRequest keeps it:
- `do_request` returns the status and the body; PTB turns error statuses into its exceptions (RetryAfter,
  BadRequest, Forbidden, ChatMigrated …).
- A call that ran out of time is `TimedOut` (it may have reached Telegram: the outbox retries it, see the README);
  one that could not be made (refused, reset, DNS) is `NetworkError`. Neither message carries the token.
- Timeouts are per phase as in httpx, except that aiohttp has no write timeout: a call is also bounded as a
  whole by the sum of its connect, write and read timeouts.
- Parameters go as one JSON body (the Bot API's application/json form; urlencoding Chinese text costs more than
  the JSON encoding), files as multipart with their UTF-8 names; a file given as an open handle is streamed from
  disk in chunks (aiohttp reads it off the loop), never held whole in memory.
- Calls are never retried here (aiohttp retries only idempotent methods; the Bot API is POST), so a send is made
  at most once per call.
- TLS trusts certifi's CA bundle, as httpx does (aiohttp alone would use the system's store, which some
  machines leave empty).
- A proxy named by the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), as httpx would use, is read once at start
  (`environment_proxy`): aiohttp's own trust_env reads the environment again at every call, which cost more than
  the rest of the call put together.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import ssl
import urllib.request
from urllib.parse import urlsplit

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

POOL_TIMEOUT = 1.0  # waiting for a free connection, as in PTB's default
MEDIA_WRITE_TIMEOUT = 20.0  # sending a file (an export, a photo upload), as in PTB's default


class AiohttpRequest(BaseRequest):
    """One pooled aiohttp session for PTB's Bot API calls and file downloads.

    `connections`: the pool size (ApplicationBuilder's defaults: 256 for calls, 1 for getUpdates). `timeout`:
    seconds for each of connecting, writing and reading; PTB passes longer reads for a long poll. `proxy`: an
    http:// proxy for every call, or none.
    """

    __slots__ = ("_connections", "_proxy", "_session", "_timeout")

    def __init__(self, *, timeout: float = 5.0, connections: int = 256, proxy: str | None = None) -> None:
        self._timeout = timeout
        self._connections = connections
        self._proxy = proxy
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        """The default read timeout (PTB adds a long poll's timeout to it)."""
        return self._timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown: an Application can be initialised more than once)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, ssl=tls_context()),
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none; no jar to look up per call
                proxy=self._proxy,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one call; its status and body, or TimedOut / NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        data, headers = _body(request_data, files)
        read = self._timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = POOL_TIMEOUT if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = ((MEDIA_WRITE_TIMEOUT if files else self._timeout) if isinstance(write_timeout, DefaultValue)
                 else write_timeout)  # fmt: skip
        phases = (connect, write, read)
        timeout = aiohttp.ClientTimeout(
            total=None if None in phases else sum(t for t in phases if t is not None),
            connect=None if connect is None or pool is None else connect + pool,  # a free connection, then connected
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, headers={"User-Agent": self.USER_AGENT, **headers}
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's timeouts (connect, read, the whole call) are all of this kind
            raise TimedOut(f"Timed out: aiohttp.{type(err).__name__}") from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {_without_token(str(err), url)}") from err


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Certificate-verifying TLS with certifi's CA bundle (made once: loading it takes a moment)."""
    return ssl.create_default_context(cafile=certifi.where())


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY or HTTP_PROXY by its scheme, unless NO_PROXY);
    none for a Bot API server on this machine."""
    host = urlsplit(url).hostname
    if not host or host == "localhost" or _is_loopback(host) or urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(urlsplit(url).scheme)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return False


Body = tuple[bytes | aiohttp.FormData | None, dict[str, str]]  # what is sent, and the headers that say what it is


def _body(request_data: RequestData | None, files: UploadFileDict | None) -> Body:
    """The call's parameters: one JSON object (as the Bot API accepts them, nested values as objects), or
    multipart when the call carries files."""
    if request_data is None:
        return None, {}
    if files:
        form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)  # UTF-8 file names, as httpx sends
        for name, (filename, content, mime_type) in files.items():
            if not isinstance(content, bytes):  # a file on disk, streamed; aiohttp closes a file once it has sent it,
                content = open(content.name, "rb")  # so it gets a handle of its own: a call made again resends it
            form.add_field(name, content, filename=filename, content_type=mime_type)
        return form, {}
    payload = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode()
    return payload, {"Content-Type": "application/json"}


def _without_token(text: str, url: str) -> str:
    """`text` with the bot token masked, should aiohttp have quoted the call's URL (…/bot<token>/method)."""
    for part in url.split("/"):
        if part.startswith("bot") and len(part) > 3:
            text = text.replace(part[3:], "<token>")
    return text
