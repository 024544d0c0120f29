"""Words for people (lti_tool.wording): keys become words, numbers are written for reading,
anonymous letters are stable per reader and reveal no order."""

from __future__ import annotations

from lti_tool import wording


def test_numbers_points_percentages_and_plurals():
    assert wording.number(0.7111111111111112) == "0.71"
    assert wording.number(3.0) == "3" and wording.number(2.5) == "2.5"
    assert wording.number(-0.001) == "0"
    assert wording.points(1.0) == "1 point" and wording.points(6.666666) == "6.67 points"
    assert wording.percent(0.4567) == "46%" and wording.percent(83.4, fraction=False) == "83%"


def test_keys_become_words_and_unknown_keys_are_not_shown_raw():
    assert wording.label("pending", "goal_status") == "Waiting for agreement"
    assert wording.label("check_in", "goal_stage") == "check-ins done"
    assert wording.label("some_new_key", "goal_status") == "Some new key"
    assert wording.stages_comment(["agree", "check_in"]) == (
        "Done so far: goal agreed, check-ins done."
    )
    assert wording.stages_comment([]) is None


def test_audit_values_are_formatted():
    assert wording.audit_value(0.7111111111111112) == "0.71"
    assert wording.audit_value({"previous": 0.33333333, "ok": True}) == "Previous: 0.33, Ok: yes"
    assert wording.audit_value([1.23456, "x"]) == "1.23, x"
    assert wording.audit_value(None) == "—"


def test_anonymous_letters_are_stable_per_reader_and_reveal_no_order():
    ids = [11, 12, 13, 14, 15, 16]
    one = wording.anonymous_labels("secret", "reviewer:1", ids)
    assert one == wording.anonymous_labels("secret", "reviewer:1", list(reversed(ids)))
    assert sorted(one.values()) == ["A", "B", "C", "D", "E", "F"]
    others = [wording.anonymous_labels("secret", f"reviewer:{r}", ids) for r in range(2, 12)]
    # Not the database order for everyone (the order would say who submitted first).
    assert any([m[i] for i in ids] != ["A", "B", "C", "D", "E", "F"] for m in [one, *others])
    assert len({tuple(m[i] for i in ids) for m in [one, *others]}) > 1
    assert wording.letters(25) == "Z" and wording.letters(26) == "AA"


def test_the_readability_check_catches_what_it_is_for():
    from tests.readable import page_problems

    page = (
        '<p><span class="state pending">pending</span> 0.7111111 <b>Submission 2</b> '
        "1 goal(s) Stages: check_in</p><script>var raw_key = 0.12345;</script>"
    )
    assert len(page_problems("sample", page)) == 5
    assert page_problems("fine", "<p>Waiting for agreement · 0.71 · Work B · 1 goal</p>") == []
