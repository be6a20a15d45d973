# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  validate_certs:
    description:
      - Check the API's TLS certificate.
      - Setting this to V(false) sends the credentials to whoever answers, and the module warns. For a private CA,
        use O(ca_path) instead.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to check the API's TLS certificate against, instead of the system's.
      - O(ca_path) and O(validate_certs) always win over the environment variables C(REQUESTS_CA_BUNDLE) and
        C(CURL_CA_BUNDLE).
    type: path
  timeout:
    description:
      - Seconds one attempt may take, from sending the request to the last byte of the answer (a server that sends
        a byte now and then cannot keep it alive longer), before it counts as failed and is retried.
    type: float
    default: 30
  total_timeout:
    description:
      - Seconds the whole task may spend on requests, waits and retries included. No request starts, and no wait
        or read goes on, past it; the task then fails with a message naming the last failure.
    type: float
    default: 3600
  retries:
    description:
      - How many times a request is retried after a transient failure (a connection error, a timeout, an answer cut
        short or unreadable, or HTTP 429, 500, 502, 503 or 504). Other HTTP errors are not retried.
      - The wait before each retry is what the API asks for (C(Retry-After) in seconds or as an HTTP date, or
        Mimecast's C(X-RateLimit-Reset)), otherwise exponential backoff with jitter (0.25 to 0.5 s, then twice as
        long each time), always capped by O(retry_max_delay).
      - "Worst case for one request: (O(retries) + 1) x O(timeout) + O(retries) x O(retry_max_delay) seconds. With
        the defaults that is 6 x 30 + 5 x 60 = 480 seconds; a run fails then with a message that names the last
        failure, the URL path and the attempts made. The whole task is bounded by O(total_timeout)."
    type: int
    default: 5
  retry_max_delay:
    description:
      - The longest wait in seconds before a retry, whatever the API asks for.
    type: float
    default: 60
notes:
  - Credentials are sent only over HTTPS; a plain C(http://) URL is refused unless it points at a loopback address
    (such as the collection's local sandbox).
  - Proxies are taken from the C(HTTPS_PROXY), C(HTTP_PROXY) and C(NO_PROXY) environment variables, except for a
    loopback URL, which never goes through a proxy (it would see the credentials of a plain C(http://) URL).
  - Redirects are not followed, so credentials never travel to another host. C(~/.netrc) is never read, so only
    the task's credentials are sent.
  - An answer larger than 64 MiB (on the wire or once decompressed) fails the request; vendor text in a failure
    message is cut to 300 characters, stripped of control characters, and any credential it echoes is redacted.
requirements:
  - requests
'''
