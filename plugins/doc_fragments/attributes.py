# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads from the vendor and runs the same in check mode. Only O(dest) can change
      something; check mode then predicts C(changed) exactly and writes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode) when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
'''

    TMES_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/emailsec.tracking.tmes) or C(group/emailsec.tracking.all) in C(module_defaults) to set
      defaults for this module.
    support: full
    membership:
      - emailsec.tracking.tmes
      - emailsec.tracking.all
'''

    MIMECAST_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/emailsec.tracking.mimecast) or C(group/emailsec.tracking.all) in C(module_defaults) to set
      defaults for this module.
    support: full
    membership:
      - emailsec.tracking.mimecast
      - emailsec.tracking.all
'''

    # the modules that change something at Mimecast
    ACTIONS = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Check mode reads the vendor's state and predicts the real run exactly; it sends no change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode) when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
'''
