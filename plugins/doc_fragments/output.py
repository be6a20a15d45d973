# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  max_records:
    description:
      - Stop after this many matching records and return C(next_token), which fetches exactly the rest when given to
        O(token) in a later run.
      - Counts the records that pass the matching options and O(query).
      - A record the vendor sends twice in a row exactly where a run stopped (a repeat at a page edge) comes once
        in each run, because the later run cannot know what the first one kept; a run never holds a record twice.
    type: int
  token:
    description:
      - Resume a run that stopped at O(max_records), or fetch what an O(allow_partial) run missed, by giving its
        C(next_token).
      - The token carries the window of the first run, so O(start) and O(end) are not used with it; the other query
        options must be the same as in the first run.
    type: str
  concurrency:
    description:
      - How many parts of the window are fetched at the same time, from 1 to 16.
      - The window is cut into consecutive parts that do not overlap, each fetched on its own; the records are merged
        back in time order with duplicates at the edges removed, so the result is the same as with 1.
      - There are three parts per worker; the first third of them are the longest and the last third the shortest,
        so that the workers finish close together even when mail comes in unevenly over the day.
      - Retries, rate limits and errors work as with 1; one part failing fails the run (or, with O(allow_partial), is
        listed in C(missing)).
    type: int
    default: 1
  dest:
    description:
      - Write the records to this file as JSON Lines (one JSON object a line) as they arrive, instead of returning
        them. Memory then stays bounded by the pages in flight, whatever the size of the result.
      - A line holds the record's JSON as the vendor sent it where that text holds no escape sequence or line
        break (TMES records), and otherwise the record encoded compactly with non-ASCII characters as they are
        (also the outputs of O(query)). Either way it reads back as the same record.
      - The file is written under a temporary name and renamed at the end, so a failed run never leaves a partial
        file under this name. The directory must exist.
      - In check mode the records are fetched, counted and hashed, but nothing is written, not even a temporary
        file.
      - The task reports C(changed) when the file was (or, in check mode, would be) written or its mode set; a file
        that already holds exactly these records is left alone (it is compared byte for byte while the records are
        written).
      - A cancelled or timed-out job (SIGTERM) removes the temporary file.
    type: path
  mode:
    description:
      - The permissions of the O(dest) file, as an octal string such as V('0640'). Defaults to V('0600'), as the
        records name people.
    type: raw
  allow_partial:
    description:
      - When a page or a part of the window still fails after its retries, return what was fetched with
        C(partial=true), the missing parts in C(missing), a warning, and a C(next_token) that fetches what is
        missing.
      - When V(false), such a failure fails the task and no records are returned.
    type: bool
    default: false
  query:
    description:
      - A JMESPath expression applied to the records after the matching options. It sees the vendor's own field
        names, so each module's EXAMPLES show one with its fields (TMES C(action), C(recipient); Mimecast C(status),
        C(to[].emailAddress)).
      - It is applied as records arrive, to each record on its own (as a list of one), and must give a list back.
        Filters and projections work; sorting, slicing and counting belong in the playbook.
    type: str
requirements:
  - jmespath (for O(query))
'''
