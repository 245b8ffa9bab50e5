"""A lean HTTP/1.1 client for the load harnesses: keep-alive connections over asyncio streams,
answers parsed by httptools (the C parser uvicorn uses: llhttp, Node's).

Why not httpx here: its connection pool does work per request that grows with the requests
waiting for a connection, and a harness on the same two cores as the server must spend as
little CPU per request as it can; on this machine httpx's async client managed about 200
requests/s with hundreds waiting, which measured the harness rather than the server. h11 (pure
Python) took the harness's processes to about 65% of a core at 150 writes and 1,500 reads a second.

Requests are written as bytes; only GET and POST are sent (an answer to HEAD has no body, which
this client would wait for).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httptools

READ_CHUNK = 65536
ProtocolError = httptools.HttpParserError  # a malformed answer: the connection is closed


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]  # names in lower case
    body: bytes


class _Reply:
    """httptools' callbacks for one answer."""

    __slots__ = ("chunks", "done", "headers", "keep_alive", "parser")

    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.chunks: list[bytes] = []
        self.done = False
        self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        # asked here, as uvicorn does: once the message is complete the parser has reset its flags
        self.keep_alive = self.parser.should_keep_alive()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class Connection:
    """One keep-alive connection; re-opened after the server closes it or anything goes wrong."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.host_header = f"{host}:{port}".encode()
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        return self._streams

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
                      body: bytes = b"") -> Answer:
        """The answer, or OSError / ProtocolError / TimeoutError (the connection is then closed)."""
        try:
            async with asyncio.timeout(self.timeout):  # no task of its own per request, unlike wait_for
                return await self._exchange(method, target, headers, body)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
        reader, writer = await self._open()
        head = [method, b" ", target, b" HTTP/1.1\r\nhost: ", self.host_header, b"\r\ncontent-length: ",
                str(len(body)).encode(), b"\r\n"]
        for name, value in headers:
            head += (name, b": ", value, b"\r\n")
        head.append(b"\r\n")
        writer.writelines([b"".join(head), body] if body else [b"".join(head)])
        reply = _Reply()
        while not reply.done:
            data = await reader.read(READ_CHUNK)
            if not data:
                raise ConnectionError("the server closed the connection mid-answer")
            reply.parser.feed_data(data)
        if not reply.keep_alive:
            self.close()
        return Answer(reply.parser.get_status_code(), reply.headers, b"".join(reply.chunks))


def multipart(fields: dict[str, bytes], files: dict[str, tuple[str, str, bytes]],
              boundary: bytes = b"suara-bench-boundary-7d1f") -> tuple[bytes, bytes]:
    """A multipart/form-data body and its Content-Type value."""
    parts = []
    for name, value in fields.items():
        parts.append(b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name.encode()
                     + b'"\r\n\r\n' + value + b"\r\n")
    for name, (filename, media_type, data) in files.items():
        parts.append(b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name.encode()
                     + b'"; filename="' + filename.encode() + b'"\r\nContent-Type: ' + media_type.encode()
                     + b"\r\n\r\n" + data + b"\r\n")
    return b"".join(parts) + b"--" + boundary + b"--\r\n", b"multipart/form-data; boundary=" + boundary
