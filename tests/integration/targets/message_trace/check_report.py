#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse the role's HTML and CSV reports and check them against its JSON report.

Usage: check_report.py REPORT.json REPORT.html REPORT.csv [--hostile]
"""

from __future__ import annotations

import csv
import json
import sys
from html.parser import HTMLParser


class Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.rows = []          # data-id of each message row
        self.bars = []          # (hour, verdict, count) of each timeline bar
        self.counts = {}        # vendor -> [cells]
        self.external = []
        self.scripts = 0
        self.text = []
        self._cells = None
        self._vendor = None
        self.svg = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append((tag, attrs))
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self.svg += 1
        for name, value in attrs.items():
            if name in ("src", "href") or (value or "").startswith(("http:", "https:", "//")):
                if not (tag == "svg" and name == "xmlns"):
                    self.external.append((tag, name, value))
            if name.startswith("on"):
                self.external.append((tag, name, value))
        if tag == "link" or tag == "img" or tag == "iframe":
            self.external.append((tag, "tag", ""))
        table = next((a.get("id") for t, a in reversed(self.stack) if t == "table"), None)
        if tag == "tr" and table == "messages" and "data-id" in attrs:
            self.rows.append(attrs["data-id"])
        if tag == "tr" and table == "counts" and "data-vendor" in attrs:
            self._vendor = attrs["data-vendor"]
            self._cells = []
        if tag == "rect" and "bar" in (attrs.get("class") or ""):
            self.bars.append((attrs["data-hour"], attrs["data-verdict"], int(attrs["data-count"])))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, dummy = self.stack.pop()
            if open_tag == tag:
                break
        if tag == "tr" and self._vendor is not None:
            self.counts[self._vendor] = self._cells
            self._vendor = None

    def handle_data(self, data):
        self.text.append(data)
        if self._vendor is not None and self.stack and self.stack[-1][0] == "td":
            self._cells.append(data.strip())


def main(argv):
    report = json.load(open(argv[1], encoding="utf-8"))
    summary, records = report["summary"], report["records"]
    html = Report()
    html.feed(open(argv[2], encoding="utf-8").read())
    problems = []
    if html.scripts:
        problems.append("the HTML has <script> elements")
    if html.external:
        problems.append("the HTML refers to outside assets or has event handlers: %s" % html.external[:3])
    if html.svg != 1:
        problems.append("the HTML should hold one inline SVG timeline, it has %d" % html.svg)
    if html.rows != [r["vendor_id"] for r in records]:
        problems.append("the message table rows differ from the records (%d rows, %d records)"
                        % (len(html.rows), len(records)))
    if sum(count for dummy, dummy2, count in html.bars) != summary["total"]:
        problems.append("the timeline bars add up to %d, not %d" % (sum(c for a, b, c in html.bars), summary["total"]))
    for hour, verdict, count in html.bars:
        real = sum(1 for r in records if (r["timestamp"] or "")[:13] == hour[:13] and r["verdict"] == verdict)
        if real != count:
            problems.append("bar %s %s says %d, records say %d" % (hour, verdict, count, real))
    for vendor, counts in summary["by_vendor"].items():
        if html.counts.get(vendor, [None])[-1] != str(counts["total"]):
            shown = html.counts.get(vendor)
            problems.append("the counts table shows %s for %s, not %s" % (shown, vendor, counts["total"]))
    text = "".join(html.text)
    if ("Delivered to" in text) != summary["delivered"]:
        problems.append("the verdict banner does not match 'delivered'")
    rows = list(csv.reader(open(argv[3], encoding="utf-8", newline="")))
    if rows[0][:4] != ["timestamp", "vendor", "vendor_id", "verdict"] or len(rows) - 1 != len(records):
        problems.append("the CSV has %d data rows for %d records" % (len(rows) - 1, len(records)))
    if [row[2] for row in rows[1:]] != [r["vendor_id"] for r in records]:
        problems.append("the CSV rows are not the records in order")
    if "--hostile" in argv:
        subjects = [r["email"]["subject"] for r in records]
        if not any("<script>" in s for s in subjects):
            problems.append("the hostile records lack their <script> subject")
        if "<script>alert(1)</script>" not in text:
            problems.append("the hostile subject is not shown as text")
        if not any(row[8].startswith("'=") for row in rows[1:]):
            problems.append("a CSV cell starting with '=' was not defused")
        # a formula behind a line break, a no-break space or in full width is defused too
        for row in rows[1:]:
            lead = row[8].lstrip(" \u00a0\u3000")[:1]
            if lead in ("=", "+", "-", "@", "\uff1d"):
                problems.append("the CSV subject cell %r can run as a formula" % row[8])
    if problems:
        print("\n".join(problems))
        return 1
    print("report checked: %d records, %d bars, %d CSV rows" % (len(records), len(html.bars), len(rows) - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
