# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: python -m tests.sandbox --port PORT [options]

The first line printed is one JSON object with the URL, the credentials and the
planted campaign; the server then runs until interrupted (SIGINT or SIGTERM).
With --env it prints, instead, the export lines that put a sandbox's URL and
credentials into the environment (TMES_* and MIMECAST_*), and starts nothing.
Run it from the collection's root: a checkout, or an installed collection
(~/.ansible/collections/ansible_collections/emailsec/tracking).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shlex
import signal
import ssl
import subprocess
import sys

from .faults import FaultError, parse_spec
from .server import SandboxServer, SandboxState, credentials


def make_self_signed(directory: str) -> tuple:
    """Create a self-signed certificate for 127.0.0.1 and localhost; returns (cert, key) paths."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "sandbox-cert.pem")
    key = os.path.join(directory, "sandbox-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=emailsec-tracking-sandbox", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox", description=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free port)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data and credentials")
    parser.add_argument("--tmes-records", type=int, default=5000, help="TMES records over the last 71 hours")
    parser.add_argument("--mimecast-records", type=int, default=3000, help="Mimecast records over the last 29 days")
    parser.add_argument("--ttp-records", type=int, default=3000,
                        help="Mimecast URL Protect log rows (clicks and entry scans) over the last 29 days, besides the "
                             "campaign's; attachment and impersonation logs get a tenth, at most 2000")
    parser.add_argument("--campaign-size", type=int, default=24,
                        help="planted campaign messages at TMES; Mimecast gets half, fewer when its records of the "
                             "last 20 hours are fewer (the first JSON line says how many each vendor has)")
    parser.add_argument("--env", action="store_true",
                        help="print export lines for the sandbox at --port (TMES_*, MIMECAST_* with API 2.0) and "
                             "exit; use: eval \"$(python -m tests.sandbox --env --port 8080)\"")
    parser.add_argument("--latency-ms", type=int, default=0, help="fixed latency added to every vendor request")
    parser.add_argument("--token-lifetime", type=int, default=1799, help="API 2.0 token lifetime in seconds")
    parser.add_argument("--mimecast-cap", type=int, default=500,
                        help="most tracked emails one Mimecast search returns (the vendor's cap is undocumented)")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC",
                        help="switch a fault on: kind[,endpoint=tmes|mimecast|oauth|held|remediation|policy|msginfo|"
                             "managedurl|ttp]"
                             "[,count=N][,name=value]; "
                             "kinds: latency(ms) status(status) rate_limit(form,wait) drop truncate wrong_shape "
                             "lone_surrogate "
                             "slow(seconds) repeat_token expire_token; after_status(status): carried out, then that "
                             "status; after_slow(seconds): carried out, answer held back; endless(items): every list "
                             "page has a new next token and that many new items; refuse(code): hold-release/reject "
                             "change nothing, false with a keyed fail[] of that code; unconfirmed: they change "
                             "nothing, false with an empty fail[] (tests/sandbox/faults.py says more)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--tls-self-signed", metavar="DIR",
                        help="create a self-signed certificate in DIR and serve HTTPS with it")
    parser.add_argument("--processes", type=int, default=1,
                        help="serve from this many processes (for benchmarks: faults, counters, request ids and "
                             "tokens are then kept per process, so tests use the default of 1)")
    parser.add_argument("--prerender", action="store_true",
                        help="render every accepted TMES record before serving, and keep every record rendered "
                             "(benchmarks under latency: the sandbox then spends next to no CPU a page, as it shares "
                             "the cores with the concurrent clients measured); without it a page is rendered when "
                             "asked for")
    parser.add_argument("--verbose", action="store_true", help="log every request to standard error")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.tmes_records < 0 or args.mimecast_records < 0 or args.ttp_records < 0:
        parser.error("record counts cannot be negative")
    if not 1 <= args.processes <= 16:
        parser.error("--processes takes 1 to 16")
    return args


def exports(args) -> str:
    """The shell lines that point the modules at a sandbox on --port: the credentials depend on --seed only."""
    scheme = "https" if (args.tls_cert or args.tls_self_signed) else "http"
    url = "%s://127.0.0.1:%d" % (scheme, args.port)
    creds = credentials(args.seed)
    env = {"TMES_API_URL": url, "TMES_USERNAME": creds["tmes"]["username"], "TMES_API_KEY": creds["tmes"]["api_key"],
           "MIMECAST_BASE_URL": url, "MIMECAST_CLIENT_ID": creds["mimecast"]["client_id"],
           "MIMECAST_CLIENT_SECRET": creds["mimecast"]["client_secret"]}
    return "\n".join("export %s=%s" % (k, shlex.quote(v)) for k, v in env.items())


class _Stopped(Exception):
    """SIGTERM or SIGINT: stop serving."""


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.env:
        if not args.port:
            print("sandbox: --env needs the --port of the running sandbox", file=sys.stderr)
            return 2
        print(exports(args))
        return 0
    context = None
    cert = args.tls_cert
    key = args.tls_key
    if args.tls_self_signed:
        cert, key = make_self_signed(args.tls_self_signed)
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    state = SandboxState(seed=args.seed, tmes_records=args.tmes_records, mimecast_records=args.mimecast_records,
                         latency_ms=args.latency_ms, token_lifetime=args.token_lifetime,
                         mimecast_cap=args.mimecast_cap, campaign_size=args.campaign_size,
                         ttp_records=args.ttp_records)
    for spec in args.fault:
        try:
            state.faults.add(**parse_spec(spec))
        except (FaultError, TypeError) as exc:
            print("sandbox: bad --fault %r: %s" % (spec, exc), file=sys.stderr)
            return 2
    try:
        server = SandboxServer(state, port=args.port, tls_context=context, verbose=args.verbose)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print("sandbox: port %d is in use on 127.0.0.1: stop what uses it, or pick another with --port (--port 0 "
                  "takes a free one and prints it)" % args.port, file=sys.stderr)
            return 2
        raise
    except ValueError as exc:
        print("sandbox: %s" % exc, file=sys.stderr)
        return 2
    if args.prerender:  # before the fork, so that every serving process has the bytes
        state.tmes_data.prerender()
    info = state.describe(server.url)
    if cert:
        info["ca_path"] = os.path.abspath(cert)

    def stop(signum, frame):  # pylint: disable=unused-argument
        # leave serve_forever by an exception: a handler that started a thread to call server.shutdown() could
        # deadlock, when the signal lands while the main thread holds threading's own lock (starting a
        # request's thread), which is what happened under eight clients; a second signal is ignored, so that the
        # cleanup below always ends every child and closes the socket
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise _Stopped()

    parent = os.getpid()
    children = []
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for dummy in range(max(0, args.processes - 1)):
            pid = os.fork()
            if pid == 0:  # a child serves from the same listening socket until its parent ends it
                try:
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    server.serve_forever()
                finally:
                    os._exit(0)  # pylint: disable=protected-access
            children.append(pid)
        # the line a caller waits for comes once every process serves and the stop handler is in place
        print(json.dumps(info), flush=True)
        server.serve_forever()
    except _Stopped:
        pass
    finally:
        if os.getpid() != parent:  # a signal that reached a child before it took the default handler
            os._exit(0)  # pylint: disable=protected-access
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for pid in children:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
