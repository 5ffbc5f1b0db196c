"""WARC files (ISO 28500, the web archives' format): how a capture is stored and read back.

Each capture is one gzipped WARC file: a warcinfo record naming the capturing software, then a
request and a response record for every hop (redirects first, the final answer last), each
response with the address it came from. The HTTP body is stored as received; http.client has
already undone any chunked transfer encoding, so that header is left out of the stored headers.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Protocol

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

DROPPED_HEADERS = {"transfer-encoding"}


class Exchange(Protocol):
    """A request and its response, as editorial.snapshots.fetch records one hop."""

    url: str
    address: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    request_headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Payload:
    url: str
    status: int
    content_type: str
    body: bytes


def warc_bytes(
    *, hops: Sequence[Exchange], software: str, captured_at: datetime.datetime, name: str
) -> bytes:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    date = datetime_to_iso_date(captured_at.astimezone(datetime.UTC).replace(tzinfo=None))
    writer.write_record(
        writer.create_warcinfo_record(
            name, {"software": software, "format": "WARC File Format 1.1"}
        )
    )
    for hop in hops:
        warc_headers = {"WARC-Date": date, "WARC-IP-Address": hop.address}
        request = writer.create_warc_record(
            hop.url,
            "request",
            payload=BytesIO(),
            length=0,
            http_headers=StatusAndHeaders(
                f"GET {hop.url} HTTP/1.1", hop.request_headers, is_http_request=True
            ),
            warc_headers_dict=warc_headers,
        )
        headers = [(k, v) for k, v in hop.headers if k.lower() not in DROPPED_HEADERS]
        response = writer.create_warc_record(
            hop.url,
            "response",
            payload=BytesIO(hop.body),
            length=len(hop.body),
            http_headers=StatusAndHeaders(
                f"{hop.status} {hop.reason}".strip(), headers, protocol="HTTP/1.1"
            ),
            warc_headers_dict=warc_headers,
        )
        writer.write_request_response_pair(request, response)
    return out.getvalue()


def final_payload(data: bytes) -> Payload | None:
    """The last response stored in a WARC file: what the capture ended on."""
    last = None
    for record in ArchiveIterator(BytesIO(data)):
        if record.rec_type != "response":
            continue
        http_headers = record.http_headers
        last = Payload(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            status=int(http_headers.get_statuscode()),
            content_type=http_headers.get_header("Content-Type") or "",
            body=record.content_stream().read(),
        )
    return last
