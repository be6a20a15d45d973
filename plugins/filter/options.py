# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that roles use to pass a vendor's connection settings once, and to name report files safely.

``vendor_options`` turns a settings dict (``message_trace_tmes``, ``message_trace_mimecast`` ...) into the
``module_defaults`` of the action group ``group/emailsec.tracking.<vendor>``; ``vendor_ready`` says whether a
vendor's credentials are present; ``safe_name`` makes an inventory host name a file name that stays inside the
report directory.  The environment variables named here are the ones the modules read (module_utils
``_tmes_search.TmesSearch.base_url``, ``tmes_auth_argspec``, ``_mimecast_account.auth_argspec`` and
``MimecastCredentials``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import hashlib
import os
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

CONNECTION = ("validate_certs", "ca_path", "timeout", "total_timeout", "retries", "retry_max_delay")
HMAC_KEYS = ("access_key", "secret_key", "app_id", "app_key")
OAUTH2_KEYS = ("client_id", "client_secret")
# what module_defaults of group/emailsec.tracking.<vendor> may carry: the options every module of the group has
OPTIONS = {
    "tmes": ("api_url", "region", "username", "api_key") + CONNECTION,
    "mimecast": ("base_url", "region", "auth_type") + HMAC_KEYS + OAUTH2_KEYS + CONNECTION,
}
# options of single modules that may stay in the settings dict: accepted, not passed as group defaults
PER_MODULE = {
    "tmes": (),
    "mimecast": ("slice", "result_cap", "search_reason", "wait", "wait_timeout", "poll_interval"),
}
CREDENTIALS = {"tmes": ("username", "api_key"), "mimecast": HMAC_KEYS + OAUTH2_KEYS}
# the environment variable each credential falls back to in the modules (env_fallback)
ENVIRONMENT = {
    "tmes": {"username": "TMES_USERNAME", "api_key": "TMES_API_KEY"},
    "mimecast": {"access_key": "MIMECAST_ACCESS_KEY", "secret_key": "MIMECAST_SECRET_KEY",
                 "app_id": "MIMECAST_APP_ID", "app_key": "MIMECAST_APP_KEY",
                 "client_id": "MIMECAST_CLIENT_ID", "client_secret": "MIMECAST_CLIENT_SECRET"},
}
# where the modules send requests when neither a URL nor a region is given and the environment is not read
# (TMES: the Americas URL, which the module also uses without TMES_API_URL / TMES_REGION; Mimecast API 2.0: the
# global gateway, which the module also uses without MIMECAST_BASE_URL)
URL_KEYS = {"tmes": ("api_url", "region"), "mimecast": ("base_url", "region")}
DEFAULT_REGION = {"tmes": "us", "mimecast": "global"}
NAMES = {"tmes": "TMES", "mimecast": "Mimecast"}


def _given(value):
    """A setting counts as given unless it is null or blank text (the modules treat both as unset)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def _environment(name):
    return os.environ.get(name, "").strip()


def _check(settings, vendor, environment, caller):
    """The settings as a dict of given values, after refusing a bad vendor, a non-dict or an unknown key."""
    if vendor not in OPTIONS:
        raise AnsibleFilterError("%s: vendor must be tmes or mimecast, not %r" % (caller, vendor))
    try:
        environment = boolean(environment, strict=True)
    except TypeError:
        raise AnsibleFilterError("%s: environment must be true or false, not %r" % (caller, environment))
    if settings is None or settings == "":
        settings = {}
    if not isinstance(settings, dict):
        raise AnsibleFilterError("%s: the %s settings must be a dictionary of module options, not %s"
                                 % (caller, NAMES[vendor], type(settings).__name__))
    allowed = OPTIONS[vendor] + PER_MODULE[vendor]
    unknown = sorted(str(k) for k in settings if k not in allowed)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, allowed, n=1)
            if close:
                hints.append("%s (did you mean %s?)" % (key, close[0]))
            else:
                hints.append(key)
        raise AnsibleFilterError(
            "%s: the %s settings have an unknown key: %s. Allowed keys: %s" % (
                caller, NAMES[vendor], ", ".join(hints), ", ".join(sorted(allowed))))
    return dict((k, v) for k, v in settings.items() if _given(v)), environment


def _present(given, vendor, key, environment):
    """Whether a credential reaches the module: from the settings, or (when allowed) from its variable."""
    if key in given:
        return True
    return environment and bool(_environment(ENVIRONMENT[vendor][key]))


def vendor_options(settings, vendor, environment=True):
    """The module_defaults for group/emailsec.tracking.<vendor>: the connection and account options of settings.

    With ``environment`` false, no module option is left to an environment variable: absent credentials are
    empty, the URL is the vendor's default region when none is given, and the Mimecast auth type is chosen here.
    """
    given, environment = _check(settings, vendor, environment, "vendor_options")
    options = dict((k, v) for k, v in given.items() if k in OPTIONS[vendor])
    if vendor == "mimecast" and "auth_type" not in options:
        oauth2 = any(_present(given, vendor, k, environment) for k in OAUTH2_KEYS)
        hmac = any(_present(given, vendor, k, environment) for k in HMAC_KEYS)
        chosen = _environment("MIMECAST_AUTH_TYPE") if environment else ""
        if oauth2 and hmac and not chosen:
            # both credential types attached to one job and nothing chosen: API 2.0 (API 1.0 is being retired)
            options["auth_type"] = "oauth2"
        elif not environment:
            options["auth_type"] = "hmac" if hmac and not oauth2 else "oauth2"
    if not environment:
        for key in CREDENTIALS[vendor]:
            options.setdefault(key, "")
        if not any(k in options for k in URL_KEYS[vendor]):
            if vendor == "mimecast" and options["auth_type"] == "hmac":
                raise AnsibleFilterError(
                    "vendor_options: Mimecast API 1.0 needs base_url or region (eu, de, us, usb, ca, za, au, je, jer) "
                    "in the settings when the environment is not used; "
                    "https://api.mimecast.com/api/login/discover-authentication tells your region")
            options["region"] = DEFAULT_REGION[vendor]
    return options


def vendor_ready(settings, vendor, environment=True):
    """Whether the vendor's credentials are present (in settings, or, when allowed, in the environment)."""
    given, environment = _check(settings, vendor, environment, "vendor_ready")
    if vendor == "tmes":
        return all(_present(given, vendor, k, environment) for k in CREDENTIALS["tmes"])
    return (all(_present(given, vendor, k, environment) for k in OAUTH2_KEYS)
            or all(_present(given, vendor, k, environment) for k in HMAC_KEYS))


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_DOTS = re.compile(r"\.{2,}")
MAX_NAME = 64


def safe_name(name):
    """A file name made of letters, digits, ``.``, ``_`` and ``-`` that cannot leave its directory.

    A name that is already safe is kept; any other gets a short hash of the original, so that two names that
    differ only in unsafe characters (``a/b``, ``a:b``) never share a report directory.
    """
    if isinstance(name, bool) or not isinstance(name, (str, int)):
        raise AnsibleFilterError("safe_name: give a name (text), not %s" % type(name).__name__)
    text = str(name)
    slug = _DOTS.sub(".", _UNSAFE.sub("-", text)).strip(".-_")[:MAX_NAME].strip(".-_")
    if slug and slug == text:
        return slug
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return "%s-%s" % (slug or "host", digest)


class FilterModule(object):
    # pylint: disable=too-few-public-methods

    def filters(self):
        return {
            "vendor_options": vendor_options,
            "vendor_ready": vendor_ready,
            "safe_name": safe_name,
        }
