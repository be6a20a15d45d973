# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.emailsec.tracking.plugins.filter.response import (
    FilterModule, response_actions, response_containment, response_plan,
)

NOW = "2026-11-20T12:00:00Z"
SHA = "2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b"
MID = "<campaign-1@acme-invoice-notice.example>"


def copy(vendor, recipient, verdict="delivered", vendor_id=None, message_id=None, urls=None):
    return {"vendor": vendor, "vendor_id": vendor_id or "%s-%s" % (vendor, recipient), "message_id": message_id,
            "recipient": recipient, "sender": "billing@acme-invoice-notice.example", "verdict": verdict,
            "attachment_sha256": [], "urls": urls or [], "time": "2026-11-20T10:00:00.000Z"}


def trace(indicator=None, copies=None, **extra):
    summary = {"indicator": {"sender_domain": "acme-invoice-notice.example"} if indicator is None else indicator,
               "window": {"start": "2026-11-19T12:00:00Z", "end": NOW}, "failures": [], "searched": ["mimecast"],
               "copies": [] if copies is None else copies}
    summary.update(extra)
    return summary


MIMECAST_COPIES = [copy("mimecast", "ann@acme.example", vendor_id="t1"),
                   copy("mimecast", "bob@acme.example", vendor_id="t2")]
MESSAGES = [{"id": "t1", "status": "archived", "message_id": MID, "delivered": [{"recipient": "ann@acme.example"}]},
            {"id": "t2", "status": "archived", "message_id": MID, "delivered": [{"recipient": "bob@acme.example"}]}]


def plan_of(summary, **kw):
    kw.setdefault("now", NOW)
    return response_plan(summary, **kw)


def remediated(acted=True, successful=2, identified=2, failed=0, settled=True, created=True):
    counts = {"identified": identified, "successful": successful, "failed": failed}
    return {"changed": created, "created": created, "id": "INC1", "code": "TR-1", "settled": settled,
            "identified": identified, "successful": successful, "counts": counts}


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"response_plan", "response_actions", "response_containment"}


@pytest.mark.parametrize("indicator", [{"sender": " "}, {"sender": "@"}, {"sender": "*"}, {"sender_domain": ""},
                                       {"subject": " a"}, {"message_id": "<>"}, {"url": "*"}, {}])
def test_a_blank_or_wildcard_indicator_makes_the_trace_unusable(indicator):
    plan = plan_of(trace(indicator=indicator, copies=MIMECAST_COPIES))
    assert plan["usable"] is False and plan["sound"] is False
    assert plan["hold_sender"] is None and plan["block_sender"] is None
    assert plan["remediation"]["by"] is None and plan["events_window"] is None
    assert plan["problems"]


def test_no_summary_is_unusable():
    plan = plan_of({})
    assert not plan["usable"] and plan["problems"] == ["there is no trace summary"]


def test_a_failed_or_partial_trace_is_not_sound_but_usable_for_a_preview():
    failed = plan_of(trace(failures=[{"vendor": "tmes", "error": "HTTP 401"}], copies=MIMECAST_COPIES))
    assert failed["usable"] and not failed["sound"]
    assert "the trace failed at tmes (HTTP 401)" in failed["problems"]
    partial = plan_of(trace(partial=True, copies=MIMECAST_COPIES))
    assert partial["usable"] and not partial["sound"]


def test_a_summary_without_copies_is_not_sound():
    summary = trace()
    del summary["copies"]
    summary["delivered_to"] = ["ann@acme.example"]
    plan = plan_of(summary)
    assert not plan["sound"] and plan["copies"][0]["recipient"] == "ann@acme.example"


def test_the_sender_goes_through_the_rails():
    plan = plan_of(trace(copies=MIMECAST_COPIES))
    assert plan["hold_sender"] == plan["block_sender"] == "@acme-invoice-notice.example"
    gmail = plan_of(trace(indicator={"sender_domain": "gmail.com"}, copies=MIMECAST_COPIES))
    assert gmail["usable"] and gmail["block_sender"] is None and "free-mail" in gmail["notes"][0]
    assert plan_of(trace(indicator={"sender_domain": "gmail.com"}), allow_broad=True)["block_sender"] == "@gmail.com"
    one = plan_of(trace(indicator={"sender": "Someone@Gmail.com"}))
    assert one["block_sender"] == "someone@gmail.com"


def test_the_recipients_domains_are_the_organisations_own():
    # a spoofed "own domain" sender: the trace's recipients are at acme.example, so the whole domain is refused
    plan = plan_of(trace(indicator={"sender_domain": "acme.example"}, copies=MIMECAST_COPIES))
    assert "acme.example" in plan["own_domains"] and plan["block_sender"] is None
    assert "own domains" in plan["notes"][0]
    given = plan_of(trace(indicator={"sender_domain": "corp.example"}), own_domains=["corp.example"])
    assert given["block_sender"] is None


def test_bad_own_domains_and_max_messages_are_errors():
    with pytest.raises(AnsibleFilterError, match="is an address"):
        plan_of(trace(), own_domains=["a@b.example"])
    with pytest.raises(AnsibleFilterError, match="list"):
        plan_of(trace(), own_domains="acme.example")
    with pytest.raises(AnsibleFilterError, match="1 or more"):
        plan_of(trace(), max_messages=0)


def test_a_sender_pattern_rejects_held_but_blocks_nothing():
    plan = plan_of(trace(indicator={"sender_domain": "*.acme-invoice-notice.example"}))
    assert plan["hold_sender"] == "*.acme-invoice-notice.example" and plan["block_sender"] is None
    assert "pattern" in plan["notes"][0]


def test_remediation_prefers_the_hash_then_message_ids_then_the_exact_url():
    tmes = copy("tmes", "cat@acme.example", message_id="<t@x.example>")
    by_hash = plan_of(trace(indicator={"sender_domain": "acme-invoice-notice.example", "attachment_sha256": SHA},
                            copies=[tmes]))["remediation"]
    assert by_hash["by"] == "file_hash" and by_hash["file_hash"] == SHA and by_hash["count"] == 1
    # Mimecast copies have no Message-ID until message info resolves them
    first = plan_of(trace(copies=MIMECAST_COPIES + [tmes]))
    assert first["resolve"] == ["t1", "t2"]
    assert first["remediation"]["message_ids"] == ["<t@x.example>"]
    second = plan_of(trace(copies=MIMECAST_COPIES + [tmes]), messages=MESSAGES)
    assert second["resolve"] == [] and second["remediation"]["by"] == "message_ids"
    assert second["remediation"]["message_ids"] == [MID, "<t@x.example>"] and second["remediation"]["count"] == 3
    url = "https://acme-invoice-notice.example/pay/INV-1"
    exact = plan_of(trace(indicator={"url": url}, copies=[copy("mimecast", "a@acme.example", urls=[url])]))
    assert exact["remediation"]["by"] == "url" and exact["remediation"]["url"] == url
    # the search substring is never sent
    part = plan_of(trace(indicator={"url": "acme-invoice-notice.example/pay"},
                         copies=[copy("mimecast", "a@acme.example", urls=[url])]))
    assert part["remediation"]["by"] is None and "nothing to remediate with" in part["remediation"]["problem"]


def test_remediation_copies_count_against_max_messages():
    copies = [copy("tmes", "u%d@acme.example" % n, message_id="<m%d@x.example>" % n) for n in range(5)]
    plan = plan_of(trace(copies=copies), max_messages=4)
    assert plan["remediation"]["over_limit"] and "more than phishing_response_max_messages (4)" in \
        plan["remediation"]["problem"]
    rows = response_actions({}, plan, {"remediate": True})["actions"]
    assert rows == [dict(rows[0], action="remediate", outcome="refused", acted=False)]


def test_events_window_is_clipped_to_what_tmes_keeps():
    old = plan_of(trace(window={"start": "2026-11-16T00:00:00Z", "end": NOW}))
    assert old["events_window"]["clipped"] and old["events_window"]["start"] == "2026-11-17T12:05:00Z"
    assert "TMES keeps 72 hours" in old["notes"][-1]
    gone = plan_of(trace(window={"start": "2026-11-10T00:00:00Z", "end": "2026-11-11T00:00:00Z"}))
    assert gone["events_window"] is None and "were not read" in gone["notes"][-1]
    fresh = plan_of(trace())
    assert fresh["events_window"] == {"start": "2026-11-19T12:00:00Z", "end": NOW, "clipped": False}


def test_actions_report_what_the_vendor_proved():
    plan = plan_of(trace(copies=MIMECAST_COPIES), messages=MESSAGES)
    results = {
        "reject_held": {"changed": True, "results": [
            {"id": "h1", "outcome": "rejected", "sender": "x@acme-invoice-notice.example", "recipients": ["a@b.c"]},
            {"id": "h2", "outcome": "failed", "code": "err_x", "message": "no"}]},
        "block_sender": {"changed": False, "outcome": "existing", "policies": [], "existing": [
            {"id": "P1", "policy": {"description": "IR-1: phishing sender blocked"}}]},
        "remediate": remediated(),
    }
    out = response_actions(results, plan, {"reject_held": True, "block_sender": True, "remediate": True})
    outcomes = [(r["action"], r["outcome"]) for r in out["actions"]]
    assert outcomes == [("reject_held", "rejected"), ("reject_held", "failed"), ("block_sender", "already_blocked"),
                        ("remediate", "opened")]
    assert out["actions"][2]["id"] == "P1" and out["actions"][2]["description"].startswith("IR-1")
    assert [f["action"] for f in out["failures"]] == ["reject_held"] and "h2" in out["failures"][0]["error"]
    preview = response_actions({"block_sender": {"changed": True, "outcome": "created", "policies": [{"id": None}]},
                                "remediate": remediated()}, plan, {})
    assert [r["outcome"] for r in preview["actions"]] == ["would_block", "would_open"]
    updated = response_actions({"block_sender": {"changed": True, "outcome": "updated", "policies": [{"id": "P"}]}},
                               plan, {"block_sender": True})
    assert updated["actions"][0]["outcome"] == "updated"
    broken = response_actions({"remediate": {"failed": True, "msg": "HTTP 500"}}, plan, {"remediate": True})
    assert broken["failures"] == [{"action": "remediate", "error": "HTTP 500"}]


def test_contained_only_when_the_incident_covers_every_mimecast_copy():
    plan = plan_of(trace(copies=MIMECAST_COPIES), messages=MESSAGES)
    done = response_actions({"remediate": remediated()}, plan, {"remediate": True})["actions"]
    answer = response_containment(plan, done)
    assert answer["contained"] is True and answer["not_contained"] == [] and answer["removed"] == 2
    short = response_actions({"remediate": remediated(successful=1, settled=False)}, plan, {"remediate": True})
    answer = response_containment(plan, short["actions"])
    assert answer["contained"] is False and len(answer["not_contained"]) == 2
    assert all("still in the mailbox after remediation" in e["why"] for e in answer["not_contained"])
    failed_some = response_actions({"remediate": remediated(successful=2, identified=3, failed=1)}, plan,
                                   {"remediate": True})
    assert response_containment(plan, failed_some["actions"])["contained"] is False


def test_a_preview_is_never_contained():
    plan = plan_of(trace(copies=MIMECAST_COPIES), messages=MESSAGES)
    rows = response_actions({"remediate": remediated()}, plan, {"remediate": False})["actions"]
    answer = response_containment(plan, rows)
    assert not answer["contained"] and {e["why"][:12] for e in answer["not_contained"]} == {"preview only"}
    assert [e["recipient"] for e in answer["not_contained"]] == ["ann@acme.example", "bob@acme.example"]


def test_tmes_copies_are_never_removed_and_say_where_to_remove_them():
    tmes = copy("tmes", "cat@acme.example", message_id="<t@x.example>")
    plan = plan_of(trace(copies=MIMECAST_COPIES + [tmes]), messages=MESSAGES)
    rows = response_actions({"remediate": remediated(successful=3, identified=3)}, plan, {"remediate": True})
    answer = response_containment(plan, rows["actions"])
    assert answer["contained"] is False and answer["removed"] == 2
    assert answer["not_contained"] == [{"kind": "copy", "vendor": "tmes", "recipient": "cat@acme.example",
                                        "message_id": "<t@x.example>", "vendor_id": "tmes-cat@acme.example",
                                        "why": answer["not_contained"][0]["why"]}]
    assert "Microsoft 365" in answer["not_contained"][0]["why"] and "Message-ID" in answer["not_contained"][0]["why"]


def test_mimecast_copies_without_an_identifier_or_in_flight():
    copies = MIMECAST_COPIES + [copy("mimecast", "dan@acme.example", verdict="pending", vendor_id="t3")]
    messages = [MESSAGES[0], {"id": "t2", "status": "archived", "message_id": None, "delivered": []},
                {"id": "t3", "status": "accepted", "message_id": "<other@x.example>"}]
    plan = plan_of(trace(copies=copies), messages=messages)
    rows = response_actions({"remediate": remediated(successful=1, identified=1)}, plan, {"remediate": True})
    answer = response_containment(plan, rows["actions"])
    whys = dict((e["recipient"], e["why"]) for e in answer["not_contained"])
    assert set(whys) == {"bob@acme.example", "dan@acme.example"} and answer["removed"] == 1
    assert whys["bob@acme.example"].startswith("no identifier") and "in flight at Mimecast" in whys["dan@acme.example"]


def test_a_copy_proven_stopped_counts_as_contained():
    copies = MIMECAST_COPIES[:1] + [copy("mimecast", "dan@acme.example", verdict="pending", vendor_id="t3")]
    messages = [MESSAGES[0], {"id": "t3", "status": "rejected", "message_id": "<other@x.example>"}]
    plan = plan_of(trace(copies=copies), messages=messages)
    rows = response_actions({"remediate": remediated(successful=1, identified=1)}, plan, {"remediate": True})
    answer = response_containment(plan, rows["actions"])
    assert answer["contained"] is True and answer["stopped"] == 1 and answer["removed"] == 1


def test_nothing_to_remediate_with_is_an_outcome_and_not_contained():
    plan = plan_of(trace(copies=MIMECAST_COPIES))  # message info not read: no Message-IDs
    rows = response_actions({}, plan, {"remediate": True})["actions"]
    assert rows[0]["outcome"] == "nothing_to_remediate_with" and not rows[0]["acted"]
    answer = response_containment(plan, rows)
    assert not answer["contained"] and all(e["why"].startswith("not removed: nothing to remediate with")
                                           for e in answer["not_contained"])


def test_an_unsound_trace_is_never_contained():
    clean = plan_of(trace(copies=[]))
    assert response_containment(clean, response_actions({}, clean, {})["actions"])["contained"] is True
    failed = plan_of(trace(copies=[], failures=[{"vendor": "tmes", "error": "x"}]))
    answer = response_containment(failed, [])
    assert answer["contained"] is False and answer["answer"].startswith("Not known to be contained")
    bad = plan_of(trace(indicator={"sender": " "}, copies=MIMECAST_COPIES))
    answer = response_containment(bad, [])
    assert not answer["contained"] and all("not sound" in e["why"] for e in answer["not_contained"])


def test_a_found_incident_of_an_earlier_run_still_proves_the_removal():
    plan = plan_of(trace(copies=MIMECAST_COPIES), messages=MESSAGES)
    rows = response_actions({"remediate": remediated(created=False)}, plan, {"remediate": True})["actions"]
    assert rows[0]["outcome"] == "found"
    assert response_containment(plan, rows)["contained"] is True


def test_a_switch_that_could_not_act_is_undone():
    on = {"reject_held": True, "block_sender": True, "remediate": True}
    bad = plan_of(trace(indicator={"sender": " "}, copies=MIMECAST_COPIES))
    undone = response_actions({}, bad, {}, on)["undone"]
    assert len(undone) == 3 and all("nothing was done" in u for u in undone)
    failed = plan_of(trace(copies=MIMECAST_COPIES, failures=[{"vendor": "mimecast", "error": "x"}]), messages=MESSAGES)
    assert all("not sound" in u for u in response_actions({}, failed, {}, on)["undone"])
    gmail = plan_of(trace(indicator={"sender_domain": "gmail.com"}, copies=MIMECAST_COPIES), messages=MESSAGES)
    results = {"remediate": remediated()}
    undone = response_actions(results, gmail, on, on)["undone"]
    assert [u.split(" ")[0] for u in undone] == ["reject_held", "block_sender"]
    nothing = plan_of(trace(copies=MIMECAST_COPIES))
    assert "nothing to remediate with" in response_actions({}, nothing, on, {"remediate": True})["undone"][0]
    good = plan_of(trace(copies=MIMECAST_COPIES), messages=MESSAGES)
    done = {"reject_held": {"results": []}, "block_sender": {"changed": False, "existing": [{"id": "P1"}]},
            "remediate": remediated()}
    assert response_actions(done, good, on, on)["undone"] == []
    assert "no Mimecast credentials" in response_actions({}, good, {}, on, False)["undone"][0]
    # a preview (check mode) switches nothing on
    assert response_actions({}, bad, {}, {})["undone"] == []


# -- who clicked, and blocking the campaign's links ------------------------------------------------------------------
URL = "https://acme-invoice-notice.example/pay/INV-1?session=verify"
LINK = "https://acme-invoice-notice.example/pay/INV-1"
CLICKERS = [{"user": "ann@acme.example", "first_click": "2026-11-20T10:05:00.000Z", "last_click": None, "clicks": 1,
             "urls": [URL], "scan_results": ["clean"], "blocked": False, "received": "delivered"},
            {"user": "Eve@Acme.example", "first_click": "2026-11-20T10:09:00.000Z", "last_click": None, "clicks": 2,
             "urls": [URL], "scan_results": ["malicious"], "blocked": True, "received": None}]


def contained_run(summary, handled=None):
    plan = plan_of(summary, messages=MESSAGES)
    rows = response_actions({"remediate": remediated()}, plan, {"remediate": True})
    return response_containment(plan, rows["actions"], handled)


def test_clickers_are_not_contained_until_handled():
    summary = trace(copies=MIMECAST_COPIES, clickers=CLICKERS)
    assert contained_run(trace(copies=MIMECAST_COPIES))["contained"] is True  # the same without clicks
    answer = contained_run(summary)
    assert answer["contained"] is False and answer["removed"] == 2
    left = answer["not_contained"]
    assert [(e["kind"], e["recipient"]) for e in left] == [("clicker", "ann@acme.example"),
                                                           ("clicker", "eve@acme.example")]
    assert all(e["why"].endswith("reset the account and check the machine") for e in left)
    assert URL in left[0]["why"] and "2026-11-20T10:05:00.000Z" in left[0]["why"]
    assert "blocked" not in left[0]["why"] and "Mimecast blocked" in left[1]["why"] and left[1]["blocked"] is True
    assert answer["answer"].startswith("NOT contained: 0 of 2 copies remain")
    assert "2 user(s) clicked" in answer["answer"]
    # one handled (any case): still not contained; both: contained, and the answer says so
    half = contained_run(summary, ["ANN@acme.example"])
    assert half["contained"] is False and [e["recipient"] for e in half["not_contained"]] == ["eve@acme.example"]
    done = contained_run(summary, ["ann@acme.example", "eve@acme.example"])
    assert done["contained"] is True and done["not_contained"] == []
    assert done["clickers"] == 2 and done["clickers_handled"] == 2 and "2 of 2 user(s) who clicked handled" in \
        done["answer"]


def test_a_clicker_whose_urls_were_cut_says_there_were_more():
    many = dict(CLICKERS[0], urls=["https://evil.example/%d" % n for n in range(20)], urls_truncated=True)
    few = dict(CLICKERS[0], urls=[URL], urls_truncated=True)
    whole = dict(CLICKERS[0], urls=["https://evil.example/%d" % n for n in range(5)])
    why = [contained_run(trace(copies=[], clickers=[c]))["not_contained"][0]["why"] for c in (many, few, whole)]
    assert "https://evil.example/2 and more (20 listed) first at" in why[0]
    assert URL + " and more first at" in why[1]
    assert "https://evil.example/2 and 2 more first at" in why[2]


def test_clickers_without_copies_are_still_not_contained():
    answer = contained_run(trace(copies=[], clickers=CLICKERS[:1]))
    assert answer["contained"] is False and answer["copies"] == 0 and len(answer["not_contained"]) == 1


@pytest.mark.parametrize("handled", [["@acme.example"], [" "], "ann", [None], {"ann@acme.example": 1}])
def test_handled_must_be_addresses(handled):
    with pytest.raises(AnsibleFilterError, match="phishing_response_clickers_handled"):
        contained_run(trace(copies=MIMECAST_COPIES, clickers=CLICKERS), handled)


def test_the_plan_says_whether_clicks_were_read():
    assert plan_of(trace(copies=MIMECAST_COPIES))["clicks_read"] is False
    plan = plan_of(trace(copies=MIMECAST_COPIES, clickers=CLICKERS))
    assert plan["clicks_read"] is True and [c["user"] for c in plan["clickers"]] == ["ann@acme.example",
                                                                                     "eve@acme.example"]


def test_block_urls_are_the_copies_the_indicator_and_the_clicked_links_without_query_string():
    copies = [copy("tmes", "cat@acme.example", urls=[URL, "https://docs.google.com/", "mailto:x@y.example"]),
              copy("tmes", "dan@acme.example", urls=[URL, "https://acme-invoice-notice.example/pay/INV-1#top"])]
    clicked = [dict(CLICKERS[0], urls=["https://other-phish.example/login?u=ann"])]
    plan = plan_of(trace(indicator={"url": "https://acme-invoice-notice.example/b"}, copies=copies, clickers=clicked))
    links = plan["block_urls"]
    assert [(e["url"], e["target"]) for e in links] == [
        (URL, LINK),
        ("https://docs.google.com/", None),  # a whole shared platform: the rails
        ("mailto:x@y.example", None),  # not a web link
        ("https://acme-invoice-notice.example/b", "https://acme-invoice-notice.example/b"),
        ("https://other-phish.example/login?u=ann", "https://other-phish.example/login")]
    assert "allow_broad" in links[1]["why"] and "not an absolute URL" in links[2]["why"]
    # a text in a link (the trace's URL search) is not a link to block; allow_broad lets the platform through
    plan = plan_of(trace(indicator={"url": "acme-invoice-notice.example/pay"}, copies=copies[:1]), allow_broad=True)
    assert [e["target"] for e in plan["block_urls"]] == [LINK, "https://docs.google.com/", None]


def test_block_urls_over_max_messages_are_all_refused():
    copies = [copy("tmes", "cat@acme.example", urls=["https://evil%d.example/x" % n for n in range(3)])]
    plan = plan_of(trace(copies=copies), max_messages=2)
    assert [e["target"] for e in plan["block_urls"]] == [None] * 3
    assert "more than phishing_response_max_messages (2)" in plan["block_urls"][0]["why"]


def managed(target, outcome, failed=False):
    item = {"__link": {"target": target}, "ansible_loop_var": "__link", "changed": outcome in ("created", "replaced"),
            "outcome": outcome, "entry": {"id": "mu-%s" % outcome, "comment": "IR-1: phishing link"}}
    if failed:
        item = {"__link": {"target": target}, "ansible_loop_var": "__link", "failed": True, "msg": "HTTP 500"}
    return item


def test_block_url_rows_one_a_link_with_what_mimecast_answered():
    copies = [copy("tmes", "cat@acme.example", urls=[URL, "https://docs.google.com/", "https://b.example/x"])]
    plan = plan_of(trace(copies=copies, clickers=[dict(CLICKERS[0], urls=["https://c.example/y"])]))
    results = {"block_url": {"results": [managed(LINK, "created"), managed("https://b.example/x", "unchanged"),
                                         managed("https://c.example/y", "existing")]}}
    real = response_actions(results, plan, {"block_url": True}, {"block_url": True})
    rows = [r for r in real["actions"] if r["action"] == "block_url"]
    assert [(r["target"], r["outcome"], r["acted"]) for r in rows] == [
        (LINK, "blocked", True), (None, "refused", False), ("https://b.example/x", "already_blocked", True),
        ("https://c.example/y", "already_blocked", True)]
    assert rows[0]["url"] == URL and "query string" in rows[0]["why"] and rows[0]["id"] == "mu-created"
    assert real["failures"] == [] and real["undone"] == ["block_url is switched on but was not done: some links were "
                                                         "refused by the rails: see the actions"]
    # the preview of the same: would_block, and nothing undone without the switch
    preview = response_actions(results, plan, {"block_url": False}, {})
    assert [r["outcome"] for r in preview["actions"] if r["action"] == "block_url"] == [
        "would_block", "refused", "already_blocked", "already_blocked"]
    assert preview["undone"] == []
    # a failed create is a failure, never a block
    failed = response_actions({"block_url": {"results": [managed(LINK, None, failed=True)]}},
                              plan_of(trace(copies=copies[:1])), {"block_url": True}, {"block_url": True})
    assert failed["failures"] == [{"action": "block_url", "error": LINK + ": HTTP 500"}]
    assert [r["outcome"] for r in failed["actions"] if r["action"] == "block_url"][:1] == ["failed"]


def test_an_unknown_managed_url_outcome_is_not_a_block():
    plan = plan_of(trace(copies=[copy("tmes", "cat@acme.example", urls=["https://b.example/x"])]))
    done = response_actions({"block_url": {"results": [managed("https://b.example/x", "disabled")]}}, plan,
                            {"block_url": True}, {"block_url": True})
    rows = [r for r in done["actions"] if r["action"] == "block_url"]
    assert [r["outcome"] for r in rows] == ["failed"] and done["failures"][0]["action"] == "block_url"


def test_block_url_switched_on_without_a_link_is_undone():
    plan = plan_of(trace(copies=MIMECAST_COPIES), messages=MESSAGES)
    done = response_actions({}, plan, {"block_url": True}, {"block_url": True})
    assert done["undone"] == ["block_url is switched on but was not done: the campaign has no link that may be "
                              "blocked"]


def test_block_url_switched_on_with_every_link_refused_says_why():
    plan = plan_of(trace(copies=[copy("tmes", "cat@acme.example", urls=["https://docs.google.com/"])]))
    done = response_actions({"block_url": {"results": [], "skipped": True}}, plan, {"block_url": True},
                            {"block_url": True})
    assert [(r["outcome"], r["url"]) for r in done["actions"] if r["action"] == "block_url"] == [
        ("refused", "https://docs.google.com/")]
    assert len(done["undone"]) == 1 and "no link that may be blocked (not blocked: " in done["undone"][0]
    assert "whole shared platform" in done["undone"][0]


def test_the_remediation_window_ends_at_the_latest_copy_so_a_rerun_finds_its_incident():
    """The end a found incident must reach is the latest copy's time, not the trace's window end, which a trace
    run again would move: the same copies give the same end, a later wave a later one."""
    from ansible_collections.emailsec.tracking.plugins.filter.response import _remediation
    copies = [{"vendor": "mimecast", "message_id": "<a@evil.example>", "time": "2026-11-29T05:52:44.250Z"},
              {"vendor": "tmes", "message_id": "<b@evil.example>", "time": "2026-11-29T04:00:00.000Z"}]
    plan = _remediation({}, copies, [], False, 50)
    assert plan["by"] == "message_ids" and plan["end"] == "2026-11-29T05:52:45Z"
    later = copies + [{"vendor": "mimecast", "message_id": "<c@evil.example>", "time": "2026-11-30T01:00:00Z"}]
    assert _remediation({}, later, [], False, 50)["end"] == "2026-11-30T01:00:00Z"
    assert _remediation({}, [{"message_id": "<a@evil.example>"}], [], False, 50)["end"] is None
