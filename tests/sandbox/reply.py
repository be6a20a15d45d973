# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a vendor handler answers, before faults and transport are applied."""

from __future__ import annotations

import json


def compact_json(value) -> bytes:
    """``value`` as the compact JSON the vendors send (no spaces, non-ASCII escaped), UTF-8."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


class Reply:
    """An HTTP answer: status, headers and body."""

    def __init__(self, status: int, body=None, headers=None, content_type="application/json;charset=UTF-8"):
        self.status = status
        self.headers = dict(headers or {})
        if body is None:
            self.body = b""
        elif isinstance(body, bytes):
            self.body = body
        else:
            self.body = compact_json(body)
        if self.body:
            self.headers.setdefault("Content-Type", content_type)


class Request:
    """The parts of an HTTP request the vendor handlers read."""

    def __init__(self, method: str, path: str, query: str, headers, body: bytes):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def header(self, name: str, default=None):
        return self.headers.get(name, default)
