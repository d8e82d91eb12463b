"""Google's HTTP batch endpoint: ``multipart/mixed`` in, ``multipart/mixed`` out.

Each part is ``application/http`` holding one request (``GET /v1/people/c1 HTTP/1.1``, headers,
body); the answer holds one ``application/http`` response per part, in order, with
``Content-ID: <response-ID>`` echoing the part's ``Content-ID: <ID>``. googleapiclient splits
each answered part at ``\\r\\n\\r\\n``, so the answer uses CRLF line ends throughout.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus

from ._base import ApiError, EmulatorRequest
from .dispatch import Dispatcher, Reply, error_reply
from .faults import ReplyLost

MAX_CALLS = 1000

# ``/batch/calendar/v3`` names its API; the bare ``/batch`` serves People (and Sheets).
_PATH_API = re.compile(r"^/batch/(?P<api>[a-z]+)/")
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


@dataclass
class Part:
    """One call inside a batch request."""

    content_id: str | None
    request: EmulatorRequest


def handle(dispatcher: Dispatcher, req: EmulatorRequest) -> tuple[str | None, Reply]:
    """Run every part through the dispatcher; (the batch's API, the multipart reply)."""
    named = _PATH_API.match(req.path)
    api = named.group("api") if named else None
    try:
        parts = parse(req)
        if len(parts) > MAX_CALLS:
            raise ApiError(
                400,
                f"A batch request cannot contain more than {MAX_CALLS} calls.",
                "INVALID_ARGUMENT",
            )
        for part in parts:
            part_api = dispatcher.api_for(part.request)
            api = api or part_api
            if part_api is not None and part_api != api:
                raise ApiError(
                    400,
                    f"A batch request to {api} cannot contain {part_api} calls.",
                    "INVALID_ARGUMENT",
                )
    except ApiError as error:
        return api, error_reply(error, None)
    boundary = f"batch_{uuid.uuid4().hex}"
    chunks = []
    lost: ReplyLost | None = None
    for part in parts:
        try:
            reply = dispatcher.call(part.request, in_batch=True)
        except ReplyLost as exc:  # the call ran; the batch goes on, its answer is lost at the end
            lost = exc
            continue
        chunks.append(_serialize(boundary, part, reply))
    if lost is not None:
        raise lost
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    return api, Reply(200, headers, body)


def parse(req: EmulatorRequest) -> list[Part]:
    """The calls in a batch request body; a 400 when it is not multipart/mixed."""
    found = _BOUNDARY.search(req.headers.get("content-type", ""))
    if not req.headers.get("content-type", "").startswith("multipart/mixed") or found is None:
        raise ApiError(400, "Batch requests must be multipart/mixed.", "INVALID_ARGUMENT")
    delimiter = b"--" + found.group(1).encode()
    parts = []
    for chunk in req.body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, inner = _split_head(chunk.lstrip(b"\r\n"))
        headers = _headers(head)
        parts.append(Part(_unbracket(headers.get("content-id")), _inner_request(inner)))
    return parts


def _inner_request(raw: bytes) -> EmulatorRequest:
    head, body = _split_head(raw)
    request_line, _, header_text = head.partition(b"\n")
    try:
        method, target, _ = request_line.decode().strip().split(" ", 2)
    except ValueError as exc:
        raise ApiError(400, "Malformed request inside batch.", "INVALID_ARGUMENT") from exc
    headers = _headers(header_text)
    length = headers.get("content-length")
    body = body[: int(length)] if length is not None else body.rstrip(b"\r\n")
    return EmulatorRequest.from_parts(method, target, headers, body)


def _split_head(raw: bytes) -> tuple[bytes, bytes]:
    """Split at the first blank line, whichever line end the sender used."""
    ends = [(raw.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n") if raw.find(sep) >= 0]
    if not ends:
        return raw, b""
    index, sep = min(ends)
    return raw[:index], raw[index + len(sep) :]


def _headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in block.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _unbracket(content_id: str | None) -> str | None:
    if content_id is None:
        return None
    return (
        content_id[1:-1] if content_id.startswith("<") and content_id.endswith(">") else content_id
    )


def _serialize(boundary: str, part: Part, reply: Reply) -> bytes:
    lines = [f"--{boundary}", "Content-Type: application/http"]
    if part.content_id is not None:
        lines.append(f"Content-ID: <response-{part.content_id}>")
    reason = (
        HTTPStatus(reply.status).phrase if reply.status in HTTPStatus._value2member_map_ else ""
    )
    lines += ["", f"HTTP/1.1 {reply.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    lines += [f"Content-Length: {len(reply.body)}", "", ""]
    return "\r\n".join(lines).encode() + reply.body + b"\r\n"
