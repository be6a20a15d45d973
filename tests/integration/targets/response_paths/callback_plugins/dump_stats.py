# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a play's set_stats data to the JSON file DUMP_STATS_FILE, as AWX keeps it for the next workflow node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: dump_stats
type: notification
short_description: Write the custom stats (set_stats) to the file named by DUMP_STATS_FILE
description:
  - A test helper that hands set_stats data on as AWX does, as the extra variables of the next job.
'''

import json
import os

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "dump_stats"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("DUMP_STATS_FILE")
        if path:
            with open(path, "w") as handle:
                json.dump(stats.custom.get("_run", {}), handle, cls=AnsibleJSONEncoder, indent=1)
