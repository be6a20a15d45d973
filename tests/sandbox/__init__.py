# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for the TMES and Mimecast tracking APIs.

Run it with ``python -m tests.sandbox`` from the collection root, or start it
from Python::

    with Sandbox(seed=1) as sandbox:
        print(sandbox.url, sandbox.describe()["tmes"])
"""

from __future__ import annotations

import threading

from .server import SandboxServer, SandboxState

__all__ = ["Sandbox", "SandboxState", "SandboxServer"]


class Sandbox:
    """A sandbox server running in a background thread of this process."""

    def __init__(self, port=0, tls_context=None, verbose=False, **options):
        self.state = SandboxState(**options)
        self.server = SandboxServer(self.state, port=port, tls_context=tls_context, verbose=verbose)
        self._thread = None

    @property
    def url(self) -> str:
        return self.server.url

    def describe(self) -> dict:
        return self.state.describe(self.url)

    def start(self) -> "Sandbox":
        self._thread = threading.Thread(target=self.server.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc):
        self.stop()
