# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Show messages as warnings, on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("msg",))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        messages = self._task.args.get("msg")
        if messages is None:
            raise AnsibleActionFail("warn needs msg: a message or a list of messages")
        if isinstance(messages, str):
            messages = [messages]
        if not isinstance(messages, (list, tuple)):
            raise AnsibleActionFail("warn: msg must be a message or a list of messages")
        result.update(changed=False, warnings=[str(m) for m in messages if m], count=len([m for m in messages if m]))
        return result
