# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the lookups: a search of module_utils run in the controller's own process.

For internal use by this collection only; the interface may change without notice.

A lookup takes the same options as its module (the same argument spec: types, defaults, choices, aliases,
environment variables) and gives the same failure messages. It returns the records (or what ``query`` made of
them) straight into the play, without the module result path: no JSON round trip, no no_log scrub of every
record string. It never shows an option's value: a failure message is built from the search's own safe text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.emailsec.tracking.plugins.module_utils._http import REQUESTS_IMPORT_ERROR
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import JMESPATH_IMPORT_ERROR
from ansible_collections.emailsec.tracking.plugins.module_utils._module import full_argspec

display = Display()


class _Host:
    """What a search needs of AnsibleModule, for a run inside a lookup."""

    def __init__(self, params, check_mode, ansible_version, plugin):
        self.params = params
        self.check_mode = check_mode
        self.ansible_version = ansible_version
        self.warnings = []
        self._plugin = plugin

    def warn(self, message):
        self.warnings.append(message)
        display.warning("%s: %s" % (self._plugin, message))


class TrackingLookup(LookupBase):
    """Runs ``search_class`` (a TrackingModule) with the options given as keyword arguments."""

    search_class = None
    argument_spec = None
    mutually_exclusive = ()
    records_key = None
    plugin = None

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("%s takes its options as keyword arguments, not terms (got %d term(s)); "
                                     "write lookup('emailsec.tracking.%s', option=value, ...)"
                                     % (self.plugin, len(terms), self.plugin))
        if REQUESTS_IMPORT_ERROR:
            raise AnsibleLookupError("%s needs the requests Python library on the controller" % self.plugin)
        if kwargs.get("query") and JMESPATH_IMPORT_ERROR:
            raise AnsibleLookupError("%s needs the jmespath Python library on the controller for query" % self.plugin)
        validator = ArgumentSpecValidator(full_argspec(self.argument_spec()),
                                          mutually_exclusive=list(self.mutually_exclusive) or None)
        validated = validator.validate(dict(kwargs))
        if validated.error_messages:
            # the module's own words (Ansible names the lookup around them), never a credential's value
            raise AnsibleLookupError(validated.errors.msg)
        variables = variables or {}
        from ansible.release import __version__ as ansible_version  # pylint: disable=import-outside-toplevel
        host = _Host(validated.validated_parameters, bool(variables.get("ansible_check_mode", False)),
                     ansible_version, self.plugin)
        search = self.search_class(None, host=host)
        result, failure = search.outcome(search.main)
        if failure is not None:
            raise AnsibleLookupError(failure["msg"])
        if result.get("next_token"):
            display.warning("%s: the run stopped before the end of the window (max_records, or a part that failed "
                            "with allow_partial); give token=%s to fetch the rest"
                            % (self.plugin, result["next_token"]))
        if result.get("dest"):
            # the records are in the file: return what the module would say about it
            return [dict((k, result[k]) for k in ("dest", "sha256", "written", "changed", "count", "window"))]
        return result[self.records_key]
