# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  sender:
    description:
      - Keep records whose envelope sender or header sender is this address, or is in this domain.
      - Write an exact address (V(user@example.com), case-insensitive), a domain (V(@example.com) or
        V(example.com); sub-domains are not included), or a domain with every sub-domain (V(*.example.com)), for
        lookalike campaigns that send from C(mail.<domain>).
    type: str
  recipient:
    description:
      - Keep records with this recipient address, or a recipient in this domain. Same forms as O(sender).
    type: str
  subject:
    description:
      - Keep records whose subject contains this text (case-insensitive).
    type: str
  sender_ip:
    description:
      - Keep records sent from this IP address, or from an address in this CIDR network (IPv4 or IPv6).
    type: str
  message_id:
    description:
      - Keep the records of this internet message id (the C(Message-ID) header), with or without angle brackets.
    type: str
'''
