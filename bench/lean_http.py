"""A lean HTTP/1.1 client for the load harnesses: keep-alive connections over asyncio streams,
the protocol spoken by h11 (the state machine httpx itself is built on).

Why not httpx here: its connection pool does work per request that grows with the requests
waiting for a connection, and a harness on the same two cores as the server must spend as
little CPU per request as it can; on this machine httpx's async client managed about 200
requests/s with hundreds waiting, which measured the harness rather than the server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import h11

READ_CHUNK = 65536


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]  # names in lower case
    body: bytes


class Connection:
    """One keep-alive connection; re-opened after the server closes it or anything goes wrong."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.host_header = f"{host}:{port}".encode()
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._h11 = h11.Connection(h11.CLIENT)

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
            self._h11 = h11.Connection(h11.CLIENT)
        return self._streams

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
                      body: bytes = b"") -> Answer:
        """The answer, or OSError / h11.ProtocolError / TimeoutError (the connection is then closed)."""
        try:
            return await asyncio.wait_for(self._exchange(method, target, headers, body), self.timeout)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
        reader, writer = await self._open()
        conn = self._h11
        sent = [(b"host", self.host_header), (b"content-length", str(len(body)).encode()), *headers]
        writer.write(conn.send(h11.Request(method=method, target=target, headers=sent))
                     + (conn.send(h11.Data(data=body)) if body else b"") + conn.send(h11.EndOfMessage()))
        status, got, chunks = 0, {}, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(READ_CHUNK)
                conn.receive_data(data)  # b"": the server closed; h11 then raises or ends the message
                if not data and conn.their_state is not h11.DONE and conn.their_state is not h11.MUST_CLOSE:
                    raise ConnectionError("the server closed the connection mid-answer")
            elif isinstance(event, h11.Response):
                status, got = event.status_code, dict(event.headers)
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection")
        if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
            self.close()
        else:
            conn.start_next_cycle()
        return Answer(status, got, b"".join(chunks))


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
