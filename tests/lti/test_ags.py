"""The AGS client: paging through line items however the platform spells its Link header,
finding/creating/updating line items, reading results, how a score's answer is judged, and the
score document (timestamps with microseconds, Canvas's submission extension). Every call is
real HTTP, to a test double or to the sandbox LMS."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jwt
import pytest

from lti_tool.extensions import db
from lti_tool.lti import ags
from lti_tool.lti.http import USER_AGENT
from lti_tool.lti.keys import signing_key
from lti_tool.lti.services import Answer, PlatformClient, PlatformRef, ServiceError
from lti_tool.models import Platform
from lti_tool.sandbox.roster import CLIENT_ID
from tests.service_double import Reply, ServiceDouble


@pytest.fixture
def double():
    server = ServiceDouble().start()
    yield server
    server.stop()


def _client(app, double: ServiceDouble, scopes=(ags.SCOPE_LINEITEM,)) -> PlatformClient:
    settings = app.extensions["coproduce.settings"]
    platform = PlatformRef(
        id=1,
        issuer="https://lms.example.edu",
        client_id="client-123",
        token_url=double.url + "/token",
        audience=None,
        product_family="other",
    )
    return PlatformClient(platform, scopes, keys_dir=settings.LTI_KEYS_DIR, timeout=5)


def _item(n: int) -> dict:
    return {
        "id": f"https://lms/li/{n}",
        "label": f"Item {n}",
        "scoreMaximum": 10,
        "resourceId": f"r{n}",
    }


@pytest.mark.parametrize(
    "link",
    [
        '<{url}>; rel="next"',
        "<{url}>; rel=next",
        "<{url}>; REL=NEXT",
        '<{url}>; rel="next", <{first}>; rel="first"',
        '<{first}>; rel="first"; title="a, b; c", <{url}>; rel="Next"',
    ],
)
@pytest.mark.parametrize("header_name", ["Link", "link", "LINK"])
def test_line_items_are_read_across_pages_with_urls_kept_as_sent(
    app, ctx, double, link, header_name
):
    page2 = "/lineitems?Page=TwO&Cursor=aBc%2Fd"
    page3 = "/lineitems?Page=ThReE&Cursor=XyZ"
    first = double.url + "/lineitems"
    double.reply(
        "GET",
        "/lineitems",
        Reply(
            body=[_item(1), _item(2)],
            headers={header_name: link.format(url=double.url + page2, first=first)},
        ),
    )
    double.reply(
        "GET",
        page2,
        Reply(
            body=[_item(3)], headers={header_name: link.format(url=double.url + page3, first=first)}
        ),
    )
    double.reply("GET", page3, Reply(body=[_item(4)]))

    found = ags.find_line_items(_client(app, double), first)

    assert [i.url for i in found] == [f"https://lms/li/{n}" for n in (1, 2, 3, 4)]
    paths = [s.path for s in double.seen if s.method == "GET"]
    assert paths == ["/lineitems", page2, page3]  # not lower-cased, not re-encoded


def test_every_call_carries_the_user_agent_and_the_media_types(app, ctx, double):
    double.reply("GET", "/lineitems?resource_id=r1", Reply(body=[_item(1)]))
    ags.find_line_items(_client(app, double), double.url + "/lineitems", resource_id="r1")
    assert {s.headers.get("User-Agent") for s in double.seen} == {USER_AGENT}
    get = next(s for s in double.seen if s.method == "GET")
    assert get.headers["Accept"] == ags.LINEITEMS_MEDIA
    assert get.headers["Authorization"] == "Bearer token-1"


def test_a_page_linking_to_itself_does_not_loop(app, ctx, double):
    double.reply(
        "GET",
        "/lineitems",
        Reply(body=[_item(1)], headers={"Link": f"<{double.url}/lineitems>; rel=next"}),
    )
    assert len(ags.find_line_items(_client(app, double), double.url + "/lineitems")) == 1


def test_filters_are_applied_even_when_the_platform_ignores_them(app, ctx, double):
    double.reply("GET", "/lineitems?resource_id=r2", Reply(body=[_item(1), _item(2), _item(3)]))
    found = ags.find_line_items(_client(app, double), double.url + "/lineitems", resource_id="r2")
    assert [i.resource_id for i in found] == ["r2"]


def test_client_assertion_is_signed_with_the_current_key_and_names_the_token_endpoint(
    app, ctx, double
):
    double.reply("GET", "/lineitems", Reply(body=[]))
    ags.find_line_items(_client(app, double), double.url + "/lineitems")
    token_request = next(s for s in double.seen if s.path == "/token")
    form = {
        k: v[0] for k, v in __import__("urllib.parse").parse.parse_qs(token_request.body).items()
    }
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["scope"] == ags.SCOPE_LINEITEM
    key = signing_key(app.extensions["coproduce.settings"].LTI_KEYS_DIR)
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == key.kid
    body = jwt.decode(
        form["client_assertion"],
        key.public_pem,
        algorithms=["RS256"],
        audience=double.url + "/token",
    )
    assert body["iss"] == body["sub"] == "client-123" and body["jti"]


def test_a_401_gets_one_fresh_token_and_one_more_try(app, ctx, double):
    double.reply(
        "GET",
        "/lineitems",
        Reply(401, {"error": "invalid_token"}),
        Reply(body=[_item(1)]),
    )
    found = ags.find_line_items(_client(app, double), double.url + "/lineitems")
    assert len(found) == 1 and double.tokens_issued == 2
    auths = [s.headers["Authorization"] for s in double.seen if s.method == "GET"]
    assert auths == ["Bearer token-1", "Bearer token-2"]


def test_a_second_401_is_an_error_not_a_loop(app, ctx, double):
    double.reply("GET", "/lineitems", Reply(401, {"error": "invalid_token"}))
    with pytest.raises(ServiceError) as raised:
        ags.find_line_items(_client(app, double), double.url + "/lineitems")
    assert raised.value.status == 401 and double.tokens_issued == 2


def test_token_endpoint_failure_is_a_service_error_with_retry_after(app, ctx, double):
    double.reply("GET", "/lineitems", Reply(body=[]))
    client = _client(app, double)
    client.platform = PlatformRef(**{**client.platform.__dict__, "token_url": double.url + "/nope"})
    double.reply("POST", "/nope", Reply(429, {"error": "slow down"}, {"Retry-After": "7"}))
    with pytest.raises(ServiceError) as raised:
        ags.find_line_items(client, double.url + "/lineitems")
    assert raised.value.during == "token" and raised.value.retry_after == 7


@pytest.mark.parametrize(
    "lineitem,expected",
    [
        ("https://lms/li/7", "https://lms/li/7/scores"),
        ("https://lms/li/7/", "https://lms/li/7/scores"),
        (
            "https://moodle.example/mod/lti/services.php/2/lineitems/9/lineitem?type_id=4",
            "https://moodle.example/mod/lti/services.php/2/lineitems/9/lineitem/scores?type_id=4",
        ),
    ],
)
def test_scores_url_keeps_the_query_string(lineitem, expected):
    assert ags.sub_url(lineitem, "scores") == expected


def test_score_document_has_microsecond_timestamps_and_canvas_extension_only_for_canvas():
    payload = ags.ScorePayload(
        user_id="u1",
        score_given=7.5,
        score_maximum=10,
        activity_progress="Completed",
        grading_progress="FullyGraded",
        timestamp=datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
        comment="Well done",
        submission={
            "submission_type": "online_url",
            "submission_data": "https://tool/artifacts/1/2",
            "submitted_at": "2026-03-01T12:00:00.000001+00:00",
            "new": True,
        },
    )
    plain = payload.document(canvas=False)
    assert plain["timestamp"] == "2026-03-01T12:00:00.123456+00:00"
    assert plain["scoreGiven"] == 7.5 and plain["scoreMaximum"] == 10
    assert ags.CANVAS_SUBMISSION not in plain
    canvas = payload.document(canvas=True)[ags.CANVAS_SUBMISSION]
    assert canvas == {
        "new_submission": True,
        "submission_type": "online_url",
        "submission_data": "https://tool/artifacts/1/2",
        "submitted_at": "2026-03-01T12:00:00.000001+00:00",
    }


def _answer(status, text="", **headers):
    return Answer(status=status, headers=headers, text=text)


@pytest.mark.parametrize(
    "answer,family,verdict",
    [
        (_answer(200, "{}"), "other", ags.Verdict.DELIVERED),
        (_answer(204), "other", ags.Verdict.DELIVERED),
        (Answer(None, {}, "", error="ConnectTimeout"), "other", ags.Verdict.RETRY),
        (_answer(500, "boom"), "other", ags.Verdict.RETRY),
        (_answer(503), "canvas", ags.Verdict.RETRY),
        (_answer(401, '{"error":"invalid_token"}'), "canvas", ags.Verdict.UNAUTHORIZED),
        (_answer(400, "Incorrect score received"), "moodle", ags.Verdict.REJECTED),
        # canvas-lms doc/api/assignment_tools.md, "Common Error Codes": 404 is a missing
        # resource (the line item's assignment deleted), 422 a user who is not a student.
        (
            _answer(404, '{"errors":[{"message":"The specified resource does not exist."}]}'),
            "canvas",
            ags.Verdict.COLUMN_GONE,
        ),
        (
            _answer(
                422,
                '{"errors":{"type":"unprocessable_entity",'
                '"message":"User not found in course or is not a student"}}',
            ),
            "canvas",
            ags.Verdict.REJECTED,
        ),
        (_answer(400, '{"errors":{"message":"bad"}}'), "other", ags.Verdict.REJECTED),
    ],
)
def test_judging_score_answers(answer, family, verdict):
    assert ags.judge_score_answer(answer, family).verdict == verdict


def test_rate_limit_keeps_retry_after_and_rejections_say_why():
    judged = ags.judge_score_answer(_answer(429, "", **{"Retry-After": "30"}), "canvas")
    assert judged.verdict == ags.Verdict.RETRY and judged.retry_after == 30
    moodle = ags.judge_score_answer(_answer(400, "Incorrect score received"), "moodle")
    assert "Incorrect score received" in moodle.reason
    canvas = ags.judge_score_answer(
        _answer(
            422, json.dumps({"errors": {"message": "User not found in course or is not a student"}})
        ),
        "canvas",
    )
    assert "not gradable" in canvas.reason and "is not a student" in canvas.reason
    assert canvas.problem == ags.Problem.NOT_GRADABLE and canvas.response.startswith("HTTP 422")


def test_ags_claim_is_read_from_a_launch():
    claim = ags.AgsEndpoint.from_claims(
        {
            ags.AGS_CLAIM: {
                "scope": [ags.SCOPE_SCORE, ags.SCOPE_LINEITEM, 7],
                "lineitems": "https://lms/c/1/lineitems",
                "lineitem": "https://lms/c/1/lineitems/3",
            }
        }
    )
    assert claim == ags.AgsEndpoint(
        scopes=(ags.SCOPE_SCORE, ags.SCOPE_LINEITEM),
        lineitems="https://lms/c/1/lineitems",
        lineitem="https://lms/c/1/lineitems/3",
    )
    assert ags.AgsEndpoint.from_claims({}) is None
    assert ags.token_scopes([ags.SCOPE_SCORE, "other", ags.SCOPE_SCORE]) == [ags.SCOPE_SCORE]


# -- against the sandbox LMS -------------------------------------------------------------------


def _sandbox_client(live, scopes=ags.ALL_SCOPES) -> PlatformClient:
    platform = db.session.scalars(db.select(Platform).where(Platform.client_id == CLIENT_ID)).one()
    return PlatformClient(
        PlatformRef.of(platform), scopes, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5
    )


def test_line_items_created_found_updated_across_sandbox_pages(live):
    live.faults(page_size=2)
    with live.app.app_context():
        client = _sandbox_client(live)
        container = live.url + "/sandbox/api/lineitems"
        made = [
            ags.create_line_item(
                client,
                container,
                ags.LineItemSpec(
                    f"Column {n}", 10 + n, f"res-{n}", "goal_setting", f"link-{n % 2}"
                ),
            )
            for n in range(5)
        ]
        assert len(ags.find_line_items(client, container)) == 5  # three pages, mixed-case cursors
        assert [i.url for i in ags.find_line_items(client, container, resource_id="res-3")] == [
            made[3].url
        ]
        assert len(ags.find_line_items(client, container, resource_link_id="link-1")) == 2
        assert len(ags.find_line_items(client, container, tag="goal_setting")) == 5
        assert ags.find_line_items(client, container, tag="feedback_rounds") == []
        updated = ags.update_line_item(
            client, made[1].url, ags.LineItemSpec("Renamed", 50, "res-1", "goal_setting")
        )
        assert (updated.label, updated.score_maximum, updated.resource_link_id) == (
            "Renamed",
            50,
            "link-1",  # kept: PUT replaces, so the client sends what the platform had
        )
        assert ags.read_results(client, made[0].url) == []
    assert live.stats()["token_requests"] == 1


def test_read_only_scope_cannot_create(live):
    with live.app.app_context():
        client = _sandbox_client(live, scopes=[ags.SCOPE_LINEITEM_READONLY])
        with pytest.raises(ServiceError) as raised:
            ags.create_line_item(
                client, live.url + "/sandbox/api/lineitems", ags.LineItemSpec("x", 1, "r", "t")
            )
    assert raised.value.status == 403


@pytest.mark.parametrize(
    "answer,family,verdict,problem",
    [
        # Answers the tool does not expect: each recorded, classified, never a silent loop.
        (
            _answer(302, "", Location="https://lms.example/login"),
            "canvas",
            ags.Verdict.REJECTED,
            ags.Problem.REDIRECTED,
        ),
        (
            _answer(502, "<html><body>Bad gateway</body></html>"),
            "moodle",
            ags.Verdict.RETRY,
            ags.Problem.UNAVAILABLE,
        ),
        (_answer(400, ""), "other", ags.Verdict.REJECTED, ags.Problem.REFUSED),
        (_answer(418, '{"unexpected": true}'), "canvas", ags.Verdict.REJECTED, ags.Problem.REFUSED),
        (_answer(200, "<html>ok</html>"), "other", ags.Verdict.DELIVERED, None),
        # Canvas's documented refusals (doc/api/assignment_tools.md, "Common Error Codes").
        (
            _answer(
                422,
                '{"errors":{"type":"unprocessable_entity","message":"This course has '
                'concluded. AGS requests will no longer be accepted for this course."}}',
            ),
            "canvas",
            ags.Verdict.REJECTED,
            ags.Problem.COURSE_CONCLUDED,
        ),
        (
            _answer(
                422,
                '{"errors":{"type":"unprocessable_entity","message":"The maximum number '
                'of allowed attempts has been reached for this submission"}}',
            ),
            "canvas",
            ags.Verdict.WITHOUT_ATTEMPT,
            ags.Problem.ATTEMPTS_EXHAUSTED,
        ),
        (
            _answer(
                400,
                '{"errors":{"type":"bad_request","message":"Provided timestamp of '
                "2026-01-01T00:00:00Z before last updated timestamp of "
                '2026-01-02T00:00:00.000Z"}}',
            ),
            "canvas",
            ags.Verdict.RESTAMP,
            ags.Problem.STALE_TIMESTAMP,
        ),
        # Moodle says it in the status line, with "[]" as the body.
        (
            Answer(400, {}, "[]", reason="Incorrect score received"),
            "moodle",
            ags.Verdict.REJECTED,
            ags.Problem.NOT_GRADABLE,
        ),
        (
            Answer(
                409,
                {},
                "[]",
                reason="Refusing score with an earlier timestamp for item 3 and user 7",
            ),
            "moodle",
            ags.Verdict.RESTAMP,
            ags.Problem.STALE_TIMESTAMP,
        ),
    ],
)
def test_every_answer_is_classified_and_recorded(answer, family, verdict, problem):
    judged = ags.judge_score_answer(answer, family)
    assert judged.verdict == verdict and judged.problem == problem
    assert judged.response and judged.response.startswith(f"HTTP {answer.status}")
    assert len(judged.response) <= 500


def test_a_long_html_error_page_is_kept_to_500_characters():
    judged = ags.judge_score_answer(_answer(500, "<html>" + "x" * 5000 + "</html>"), "moodle")
    assert len(judged.response) == 500 and judged.verdict == ags.Verdict.RETRY


def test_canvas_scores_say_whether_they_open_an_attempt():
    base = {
        "user_id": "u",
        "score_given": 1.0,
        "score_maximum": 2.0,
        "activity_progress": "Completed",
        "grading_progress": "FullyGraded",
        "timestamp": __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC),
    }
    plain = ags.ScorePayload(**base).document(canvas=True)
    assert plain[ags.CANVAS_SUBMISSION] == {"new_submission": False}
    work = ags.ScorePayload(
        **base,
        submission={"submission_type": "online_text_entry", "submission_data": "x", "new": True},
    ).document(canvas=True)
    assert work[ags.CANVAS_SUBMISSION]["new_submission"] is True
    assert work[ags.CANVAS_SUBMISSION]["submission_type"] == "online_text_entry"
    assert ags.CANVAS_SUBMISSION not in ags.ScorePayload(**base).document(canvas=False)
