"""Link header parsing for AGS and NRPS paging: relation names in any case, quoted or not, URLs
kept exactly as sent (their query strings may be case-sensitive cursors)."""

from __future__ import annotations

import pytest

from lti_tool.lti.links import links_of, parse_link_header

NEXT = "https://lms.example.edu/api/lti/courses/1/line_items?page=2&Cursor=AbC-dEf_9"


@pytest.mark.parametrize(
    "header",
    [
        f'<{NEXT}>; rel="next"',
        f"<{NEXT}>; rel=next",
        f'<{NEXT}>; REL="NEXT"',
        f"<{NEXT}>;rel=Next",
        f'<{NEXT}> ; rel = "next"',
        f'<https://x/p1>; rel="prev", <{NEXT}>; rel="next", <https://x/last>; rel="last"',
        f'<{NEXT}>; title="page 2, of 3; more"; rel="next"',
        f'<{NEXT}>; rel="next last"',
        f'<{NEXT}>;\n rel="next"',
    ],
)
def test_next_is_found_and_its_url_kept_exactly(header):
    assert parse_link_header(header)["next"] == NEXT


def test_urls_with_commas_and_semicolons_survive():
    url = "https://x/a?ids=1,2;3&Q=Z"
    assert parse_link_header(f'<{url}>; rel="next"') == {"next": url}


def test_differences_and_other_relations():
    links = parse_link_header(
        '<https://x/m?since=9ZxY>; rel="differences", <https://x/m?p=2>; rel=next'
    )
    assert links == {"differences": "https://x/m?since=9ZxY", "next": "https://x/m?p=2"}


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "<https://x/a>", '<https://x/a>; title="x"']
)
def test_no_relation_means_no_next(header):
    assert "next" not in parse_link_header(header)


def test_first_of_a_relation_wins():
    assert parse_link_header("<https://x/1>; rel=next, <https://x/2>; rel=next")["next"] == (
        "https://x/1"
    )


def test_header_name_in_any_case_and_several_headers():
    headers = {"LINK": '<https://x/a?B=1>; rel="NEXT"', "Content-Type": "application/json"}
    assert links_of(headers) == {"next": "https://x/a?B=1"}
    assert links_of(
        {"link": "<https://x/d>; rel=differences", "Link": "<https://x/n>; rel=next"}
    ) == {
        "differences": "https://x/d",
        "next": "https://x/n",
    }
