"""The data inventory: every table and column the tool stores, whether it is personal data, of
whom, why it is kept, from which LTI claim it comes and for how long.

This is the one place that says what Coproduce holds about people. `tests/privacy/test_inventory`
fails when a column of `db.metadata` is not declared here (or a declared one no longer exists),
`flask privacy inventory` renders it as docs/privacy.md, the console shows it at /admin/privacy,
and the export and erasure read the `links` to find a person's rows.

Declaring a table: `T(name, why, kept, personal={column: P(...)}, plain="col col ...")`.
`plain` lists the columns that hold nothing personal (ids, flags, settings, timestamps).
`links` are the paths from a row to the person it belongs to, each "column" (a person id on the
row) or "column->table.column[->table.column]" (follow a foreign key, end on a person id); the
export takes every row some link leads to the person, the erasure uses them to find what to
delete or pseudonymise.

Whose data a personal column holds:
    subject  about the person (their identity, their score, their membership)
    author   written by the person (a goal, a review, a proposal, a comment)
    actor    names who did something (who endorsed, who published, an event's actor)
"""

from __future__ import annotations

from dataclasses import dataclass, field


def N_(text: str) -> str:  # noqa: N802 - gettext's marker: extracted, translated when shown
    """Marks the inventory's words for translation; they stay plain strings here (docs/privacy.md
    and the export are English) and the console's Privacy page translates them."""
    return text


# How long rows are kept (docs/privacy.md spells these out).
COURSE = "course"  # with the course: until its platform's retention rule deletes the course
PERSON = "person"  # while the person has data here; erased on request
EXPIRY = "expiry"  # until it expires (minutes to hours); the cleanup job deletes it
REGISTRATION = "registration"  # while the platform registration exists
INSTALLATION = "installation"  # while the installation runs (keys, accounts, job state)

KEPT = {
    COURSE: N_(
        "With the course: deleted with it by the platform's retention rule (N days after "
        "the course's last activity or end date), or when the platform registration is deleted."
    ),
    PERSON: N_("While the person has data here; replaced by a pseudonym on erasure."),
    EXPIRY: N_("Until it expires (minutes to hours); the hourly cleanup job deletes it."),
    REGISTRATION: N_("While the platform registration exists."),
    INSTALLATION: N_("While the installation runs."),
}

WHOSE = ("subject", "author", "actor")


@dataclass(frozen=True)
class P:
    """A personal column: whose (subject/author/actor), why it is kept, the LTI claim or form
    it comes from, and `name_of`: set when the column is a copy of the display name of the
    person in that column of the same row (erasure replaces it, export hides other people's)."""

    whose: str
    why: str
    source: str = N_("entered in Coproduce")
    name_of: str | None = None


@dataclass(frozen=True)
class T:
    name: str
    why: str
    kept: str
    personal: dict[str, P] = field(default_factory=dict)
    plain: str = ""
    links: tuple[str, ...] = ()

    @property
    def plain_columns(self) -> list[str]:
        return self.plain.split()

    @property
    def columns(self) -> list[str]:
        return [*self.personal, *self.plain_columns]


_TS = "created_at updated_at"
SUB = N_("LTI `sub` (id_token) / NRPS `user_id`")
NAME = N_("LTI `name` claim (id_token) / NRPS `name`")

TABLES: tuple[T, ...] = (
    # --- people and courses, as the platform sent them -------------------------------------
    T(
        "person",
        "Who launched Coproduce (or is in a synced roster): what links their work to them.",
        PERSON,
        {
            "sub": P("subject", N_("identifies the person on their platform"), SUB),
            "name": P("subject", N_("shown to staff and, when not anonymous, to peers"), NAME),
            "given_name": P(
                "subject",
                N_("a name when the platform sends no full name"),
                N_("LTI `given_name` claim / NRPS `given_name`"),
            ),
            "family_name": P(
                "subject",
                N_("a name when the platform sends no full name"),
                N_("LTI `family_name` claim / NRPS `family_name`"),
            ),
            "email": P(
                "subject",
                N_("only kept when e-mail reminders are on (SMTP_HOST set)"),
                N_("LTI `email` claim / NRPS `email`"),
            ),
        },
        f"id platform_id {_TS}",
        ("id",),
    ),
    T(
        "membership",
        "A person's role in a course: what they may do there.",
        COURSE,
        {
            "raw_roles": P(
                "subject",
                N_("the roles as sent, to resolve the Coproduce role"),
                N_("LTI `roles` claim"),
            ),
            "role": P(
                "subject", N_("what the person may do in the course"), N_("LTI `roles` claim")
            ),
            "mentee_subs": P(
                "subject",
                N_("whose work a mentor (observer) may read"),
                N_("LTI `role_scope_mentor` claim"),
            ),
            "last_launch_at": P(
                "subject", N_("the course's last activity (retention)"), N_("time of the launch")
            ),
        },
        "id person_id context_id created_at",
        ("person_id",),
    ),
    T(
        "roster_member",
        "The course roster as the platform's roster service reports it (reviewer allocation, "
        "progress of students who have not launched yet).",
        COURSE,
        {
            "status": P(
                "subject", N_("active, inactive or deleted in the course"), N_("NRPS `status`")
            ),
            "roles": P("subject", N_("roles in the course"), N_("NRPS `roles`")),
        },
        "id context_id person_id synced_at",
        ("person_id",),
    ),
    T(
        "context",
        "A course (LTI context).",
        COURSE,
        {},
        f"id platform_id deployment_id context_id label title types {_TS}",
    ),
    T(
        "resource_link",
        "A link to the tool placed in a course.",
        COURSE,
        {},
        f"id context_id resource_link_id title description {_TS}",
    ),
    T(
        "link_launch",
        "That the LMS released a link to a person (they launched it): what lets a student in.",
        COURSE,
        {"first_at": P("subject", N_("when they first opened the link"), N_("time of the launch"))},
        "id person_id resource_link_id",
        ("person_id",),
    ),
    T(
        "launch_session",
        "A signed-in launch (its token is never stored).",
        EXPIRY,
        {
            "person_id": P("subject", N_("whose launch it is"), SUB),
            "locale": P(
                "subject",
                N_("the language of the person's pages"),
                N_("LTI launch presentation `locale`"),
            ),
        },
        "id token_salt platform_id context_id membership_id resource_link_id message_type "
        "courseless_role courseless_platform_admin csrf_secret created_at expires_at",
        ("person_id",),
    ),
    T(
        "deep_link_request",
        "A facilitator's deep linking launch, kept until they pick an activity.",
        EXPIRY,
        {"person_id": P("actor", N_("who is choosing"), SUB)},
        "id platform_id deployment_id context_id return_url accept_types "
        "accept_presentation_targets accept_multiple accept_lineitem data created_at "
        "responded_at activity_id",
        ("person_id",),
    ),
    # --- activities --------------------------------------------------------------------------
    T(
        "activity",
        "An activity placed in a course.",
        COURSE,
        {"created_by_id": P("actor", N_("who set it up"))},
        "id context_id kind title instructions points phase_dates resource_id placed_by "
        f"grade_release grades_released_at {_TS}",
        ("created_by_id",),
    ),
    T(
        "placement",
        "Which activity a link opens.",
        COURSE,
        {},
        "id resource_link_id activity_id lineitem_url bound_at created_at",
    ),
    T(
        "artifact",
        "What a student made in an activity, as the gradebook link shows it.",
        COURSE,
        {
            "title": P("author", N_("the work's title")),
            "summary": P("author", N_("the work's summary")),
            "body": P("author", N_("the work itself")),
        },
        f"id activity_id person_id link_key {_TS}",
        ("person_id",),
    ),
    # --- goal setting ------------------------------------------------------------------------
    T(
        "goal_settings",
        "A goal setting activity's configuration.",
        COURSE,
        {},
        "activity_id min_goals max_goals require_criterion checkin_dates min_checkins agreed_by "
        "scoring stage_points judgement_scale due_dates phase updated_at",
    ),
    T(
        "goal",
        "A student's goal.",
        COURSE,
        {
            "status": P("subject", N_("where the goal stands")),
            "judgement": P("subject", N_("the facilitator's judgement (judgement scoring)")),
        },
        f"id activity_id person_id {_TS}",
        ("person_id",),
    ),
    T(
        "goal_version",
        "Every version of a goal, in the student's words.",
        COURSE,
        {
            "what": P("author", N_("the goal")),
            "measure": P("author", N_("how progress is measured")),
            "plan": P("author", N_("the plan")),
            "relevance": P("author", N_("why it matters")),
            "by_when": P("author", N_("the target date")),
        },
        f"id goal_id number rubric_version_id criterion_id criterion_title submitted_at {_TS}",
        ("goal_id->goal.person_id",),
    ),
    T(
        "goal_response",
        "A facilitator's or coach's answer to a goal.",
        COURSE,
        {
            "responder_id": P("actor", N_("who answered")),
            "responder_name": P(
                "actor", N_("the answer shows who gave it"), NAME, name_of="responder_id"
            ),
            "comment": P("author", N_("the answer")),
        },
        "id goal_id version_number responder_role decision created_at",
        ("goal_id->goal.person_id", "responder_id"),
    ),
    T(
        "goal_check_in",
        "A student's check-in on a goal.",
        COURSE,
        {
            "progress": P("author", N_("progress reported")),
            "evidence": P("author", N_("evidence of progress")),
            "helped": P("author", N_("what helped")),
            "hindered": P("author", N_("what hindered")),
            "confidence": P("author", N_("confidence reported")),
        },
        "id goal_id created_at",
        ("goal_id->goal.person_id",),
    ),
    T(
        "goal_check_in_comment",
        "A comment in a goal's check-in thread.",
        COURSE,
        {
            "author_id": P("actor", N_("who wrote it")),
            "author_name": P(
                "actor", N_("the thread shows who wrote it"), NAME, name_of="author_id"
            ),
            "body": P("author", N_("the comment")),
        },
        "id check_in_id author_role created_at",
        ("check_in_id->goal_check_in.goal_id->goal.person_id", "author_id"),
    ),
    T(
        "goal_reflection",
        "A student's final reflection on a goal.",
        COURSE,
        {
            "outcome": P("author", N_("the outcome")),
            "learned": P("author", N_("what they learned")),
            "next_steps": P("author", N_("next steps")),
        },
        "id goal_id created_at",
        ("goal_id->goal.person_id",),
    ),
    # --- rubric co-creation ------------------------------------------------------------------
    T(
        "rubric_setup",
        "A rubric co-creation activity's configuration.",
        COURSE,
        {},
        "id activity_id phase anonymous vote_mode dot_budget criteria_count criteria_threshold "
        "level_points seed participation_scored updated_at",
    ),
    T(
        "rubric_criterion",
        "A criterion under discussion.",
        COURSE,
        {"created_by_id": P("actor", N_("who made it (accepted or merged proposals)"))},
        "id activity_id title description selected manual_weight created_at",
        ("created_by_id",),
    ),
    T(
        "rubric_proposal",
        "A proposed criterion (kept when merged into the rubric; pseudonymised on erasure).",
        COURSE,
        {
            "author_id": P(
                "author", N_("who proposed it (shown unless the activity is anonymous)")
            ),
            "title": P("author", N_("the proposal")),
            "description": P("author", N_("the proposal")),
            "rationale": P("author", N_("why it was proposed")),
            "decided_by_id": P("actor", N_("who decided its fate")),
            "decline_reason": P("author", N_("the facilitator's reason, shown to its author")),
        },
        "id activity_id fate criterion_id decided_at created_at updated_at",
        ("author_id", "decided_by_id"),
    ),
    T(
        "rubric_comment",
        "A comment on a proposal.",
        COURSE,
        {"author_id": P("author", N_("who wrote it")), "body": P("author", N_("the comment"))},
        "id proposal_id created_at",
        ("author_id",),
    ),
    T(
        "rubric_ballot",
        "A person's votes on the criteria (one row per voter).",
        COURSE,
        {
            "voter_id": P("author", N_("whose ballot")),
            "changes": P("author", N_("how often it changed")),
        },
        "id activity_id updated_at",
        ("voter_id",),
    ),
    T(
        "rubric_vote",
        "One vote of a ballot.",
        COURSE,
        {"points": P("author", N_("points given to a criterion"))},
        "id ballot_id criterion_id",
        ("ballot_id->rubric_ballot.voter_id",),
    ),
    T(
        "rubric_level_draft",
        "A proposed wording of a level.",
        COURSE,
        {
            "author_id": P("author", N_("who wrote it")),
            "title": P("author", N_("the wording")),
            "description": P("author", N_("the wording")),
        },
        "id criterion_id position created_at",
        ("author_id",),
    ),
    T(
        "rubric_level",
        "The accepted wording of a level.",
        COURSE,
        {"accepted_by_id": P("actor", N_("who accepted it"))},
        "id criterion_id position title description points draft_id accepted_at",
        ("accepted_by_id",),
    ),
    T(
        "rubric_version",
        "A published rubric.",
        COURSE,
        {"published_by_id": P("actor", N_("who published it"))},
        "id activity_id context_id number title content note published_at",
        ("published_by_id",),
    ),
    # --- feedback rounds ---------------------------------------------------------------------
    T(
        "feedback_config",
        "A feedback rounds activity's configuration.",
        COURSE,
        {"groups": P("subject", N_("the group each student is in (entered by the facilitator)"))},
        "id activity_id rubric_source rubric_version_id rounds reviewers_per_submission "
        "allocation self_review staff_review anonymity aggregate weight_peer weight_self "
        "weight_staff weight_reviewing reshuffle late_policy round_dates current_round "
        "current_phase seed updated_at",
    ),
    T(
        "feedback_criterion",
        "A criterion a feedback round assesses.",
        COURSE,
        {},
        "id activity_id position title description weight levels source_criterion_id "
        "from_round retired_in_round",
    ),
    T(
        "feedback_submission",
        "A student's submission in a round (the file itself is in the upload store).",
        COURSE,
        {
            "body": P("author", N_("the submitted text")),
            "link": P("author", N_("a submitted link")),
            "file_key": P("author", N_("names the uploaded file in the store (never its name)")),
            "file_type": P("author", N_("the uploaded file's type")),
            "file_ext": P("author", N_("the uploaded file's extension")),
            "file_size": P("author", N_("the uploaded file's size")),
            "group_label": P("subject", N_("the author's group at submission")),
            "late": P("subject", N_("whether it came after the deadline")),
            "submitted_at": P("author", N_("when")),
        },
        "id activity_id person_id round",
        ("person_id",),
    ),
    T(
        "feedback_allocation",
        "Who reviews whose submission.",
        COURSE,
        {
            "reviewer_id": P(
                "actor", N_("the reviewer (never shown to an anonymous round's author)")
            )
        },
        "id activity_id round submission_id kind created_at",
        ("reviewer_id", "submission_id->feedback_submission.person_id"),
    ),
    T(
        "feedback_review",
        "A review (kept for its recipient when the reviewer is erased, pseudonymised).",
        COURSE,
        {
            "overall": P("author", N_("the reviewer's overall comment")),
            "helpfulness": P("author", N_("the recipient's rating of the review")),
        },
        "id activity_id allocation_id submitted_at updated_at",
        (
            "allocation_id->feedback_allocation.reviewer_id",
            "allocation_id->feedback_allocation.submission_id->feedback_submission.person_id",
        ),
    ),
    T(
        "feedback_comment",
        "One criterion of a review: level, comment, the author's response, an endorsement.",
        COURSE,
        {
            "level": P("author", N_("the level the reviewer chose")),
            "comment": P("author", N_("the reviewer's comment")),
            "response": P("author", N_("the recipient's response (act / won't)")),
            "response_reason": P("author", N_("the recipient's reason")),
            "endorsed_by_id": P("actor", N_("the staff member who endorsed it")),
            "endorsed_role": P("actor", N_("their role")),
        },
        "id activity_id review_id criterion_id",
        (
            "review_id->feedback_review.allocation_id->feedback_allocation.reviewer_id",
            "review_id->feedback_review.allocation_id->feedback_allocation.submission_id"
            "->feedback_submission.person_id",
        ),
    ),
    T(
        "feedback_revision_plan",
        "A student's plan for revising after feedback.",
        COURSE,
        {
            "plan": P("author", N_("the plan")),
            "comment_ids": P("author", N_("the comments it answers")),
            "goal_ids": P("author", N_("the goals it links")),
        },
        "id activity_id person_id round updated_at",
        ("person_id",),
    ),
    T(
        "feedback_score",
        "A student's computed score, an override and a contest of it.",
        COURSE,
        {
            "computed": P("subject", N_("the score")),
            "breakdown": P("subject", N_("how it was made")),
            "override": P("subject", N_("a facilitator's override")),
            "override_reason": P("actor", N_("why")),
            "sent": P("subject", N_("what went to the LMS")),
            "contest_comment": P("author", N_("the student's contest")),
            "contest_status": P("subject", N_("where the contest stands")),
            "contest_resolution": P("actor", N_("the facilitator's answer")),
        },
        "id activity_id person_id updated_at",
        ("person_id",),
    ),
    # --- grades ------------------------------------------------------------------------------
    T(
        "line_item",
        "An activity's gradebook column.",
        COURSE,
        {},
        "id activity_id url state error problem last_response attempts next_attempt_at "
        f"claimed_by claimed_until synced_at {_TS}",
    ),
    T(
        "outbox_score",
        "A score to deliver to the LMS gradebook, and what was delivered.",
        COURSE,
        {
            "score_given": P("subject", N_("the score sent")),
            "comment": P("subject", N_("the comment sent with it (may quote reviews)")),
            "submission": P("subject", N_("Canvas's submission details")),
            "automatic_score": P("subject", N_("the rule's score")),
            "automatic_comment": P("subject", N_("the rule's comment")),
            "manual_score": P("subject", N_("a facilitator's hand score")),
            "manual_comment": P("actor", N_("the facilitator's comment")),
            "released_score": P("subject", N_("what the student may see")),
            "last_response": P("subject", N_("the LMS's answer (may name the user)")),
        },
        "id platform_id context_id activity_id person_id score_maximum activity_progress "
        "grading_progress score_timestamp version delivered_version status attempts "
        "next_attempt_at claimed_by claimed_until claimed_version last_http_status last_error "
        "problem delivered_at manual_at released_at created_at updated_at",
        ("person_id",),
    ),
    # --- events (audit log, change logs) ----------------------------------------------------
    T(
        "event",
        "Who did what and when: the audit log and the activities' change logs.",
        COURSE,
        {
            "actor_id": P("actor", N_("who acted (a person id when actor_kind is person)")),
            "actor_label": P(
                "actor", N_("the actor's display name at the time"), NAME, name_of="actor_id"
            ),
            "data": P("actor", N_("details of the action (may name people)")),
        },
        "id occurred_at actor_kind platform_id context_id verb object_type object_id",
        ("actor_id",),
    ),
    # --- no personal data -----------------------------------------------------------------
    T(
        "platform",
        "A registration of the tool with an LMS.",
        REGISTRATION,
        {},
        "id name issuer client_id auth_login_url auth_token_url auth_audience key_set_url "
        "product_family status deployment_policy storage_origins default_language created_at",
    ),
    T(
        "deployment",
        "A deployment of a registration.",
        REGISTRATION,
        {},
        "id platform_id deployment_id status seen_first_in_launch created_at",
    ),
    T(
        "platform_key_set",
        "A platform's public keys, cached.",
        EXPIRY,
        {},
        "id key_set_url jwks_json fetched_at expires_at",
    ),
    T(
        "course_services",
        "A course's AGS and NRPS endpoints.",
        COURSE,
        {},
        "id context_id lineitems_url ags_scopes memberships_url nrps_versions updated_at",
    ),
    T(
        "roster_sync",
        "When a course roster was last synced.",
        COURSE,
        {},
        "id context_id scope differences_url member_count synced_at",
    ),
    T(
        "access_token",
        "A platform's OAuth2 access token, reused until it expires.",
        EXPIRY,
        {},
        "id cache_key issuer client_id scopes token expires_at created_at",
    ),
    T(
        "used_nonce",
        "An id_token nonce already used (replay protection).",
        EXPIRY,
        {},
        "id nonce platform_id expires_at created_at",
    ),
    T("used_link_ticket", "A link ticket already redeemed.", EXPIRY, {}, "jti expires_at"),
    T(
        "submitted_form",
        "A form already acted on (double-submit protection).",
        EXPIRY,
        {},
        "id key path created_at",
    ),
    T(
        "tool_key",
        "The tool's public signing keys.",
        INSTALLATION,
        {},
        "kid public_jwk status created_at rotated_at retired_at",
    ),
    T(
        "signing_keys",
        "The tool's private keys, sealed.",
        INSTALLATION,
        {},
        "kid sealed_private_key created_at",
    ),
    T(
        "admin_user",
        "A console account (an installation administrator, not a student).",
        INSTALLATION,
        {},
        "id username password_hash created_at last_login_at",
    ),
    T(
        "admin_session",
        "A signed-in console browser.",
        EXPIRY,
        {},
        "id token_hash admin_user_id created_at expires_at",
    ),
    T(
        "sign_in_throttle",
        "Failed console sign-ins (lockout).",
        EXPIRY,
        {},
        "id key failures last_failure_at locked_until",
    ),
    T(
        "scheduled_job",
        "A scheduled job's state.",
        INSTALLATION,
        {},
        "name next_due_at last_started_at last_finished_at last_outcome last_detail last_worker "
        "runs failures",
    ),
    T(
        "worker_heartbeat",
        "A live worker.",
        EXPIRY,
        {},
        "worker_id kind hostname started_at beat_at",
    ),
    T(
        "stored_files",
        "Uploaded files' bytes (UPLOAD_STORE=database), under a generated key.",
        COURSE,
        {
            "data": P(
                "author", N_("the uploaded file (a submission's)"), N_("uploaded by the student")
            )
        },
        "key size created_at",
    ),
    T(
        "retention_rule",
        "A platform's course retention rule and its last report.",
        REGISTRATION,
        {},
        "id platform_id days armed last_run_at last_report updated_at",
    ),
    # --- course copy and platform notices (issue 16) ------------------------------------------
    T(
        "link_history",
        "The course and link ids a copied link came from, as the platform sent them.",
        COURSE,
        {},
        "id resource_link_id context_history link_history linked_activity_id updated_at",
    ),
    T(
        "context_origin",
        "The course a platform's copy notice says this course was copied from.",
        REGISTRATION,
        {},
        "id platform_id context_id origin_context_id notice_id created_at",
    ),
    T(
        "activity_copy",
        "Which activity an activity was copied from, and the provenance shown to the new term.",
        COURSE,
        {"created_by_id": P("actor", N_("who made the copy"))},
        "id activity_id source_activity_id provenance shifted_days created_at",
        ("created_by_id",),
    ),
    T(
        "received_notice",
        "A platform notice (LTI PNS) as received, kept to process it once; course ids only.",
        REGISTRATION,
        {},
        "id platform_id deployment_id notice_id token_id notice_type claims received_at "
        "processed_at outcome",
    ),
    T(
        "notice_handler",
        "Where a platform's notification service is and whether our handler is registered there.",
        REGISTRATION,
        {},
        "id platform_id deployment_id notice_type service_url registered_at last_error attempts "
        "created_at",
    ),
    # --- extensions and reminder e-mail (issue 16) --------------------------------------------
    T(
        "extension",
        "A student's or group's own date for a phase, or an excuse, and who granted it.",
        COURSE,
        {
            "person_id": P("subject", N_("whose date or excuse it is")),
            "reason": P("subject", N_("why it was granted (entered by staff)")),
            "granted_by_id": P("actor", N_("who granted it")),
            "granted_role": P("actor", N_("their role")),
        },
        "id activity_id target_type group_key phase due excused granted_at superseded_at",
        ("person_id", "granted_by_id"),
    ),
    T(
        "extension_policy",
        "Whether coaches may grant extensions in an activity.",
        COURSE,
        {},
        "id activity_id coaches_may_grant",
    ),
    T(
        "mail_preference",
        "Which reminder e-mail a person wants (or none).",
        PERSON,
        {
            "unsubscribed": P("subject", N_("they asked for no reminder e-mail")),
            "kinds_off": P("subject", N_("the kinds of reminder they turned off")),
        },
        "id person_id updated_at",
        ("person_id",),
    ),
    T(
        "mail_sent",
        "Each reminder e-mail, recorded before it is sent so that it goes once.",
        PERSON,
        {
            "address": P("subject", N_("where it went"), N_("LTI `email` claim / NRPS `email`")),
            "subject": P("subject", N_("what it said")),
            "body": P("subject", N_("what it said (counts, never reviewers' names)")),
        },
        "id person_id event_key kind status error attempts created_at sent_at",
        ("person_id",),
    ),
    T(
        "refused_address",
        "An address the mail server refused, so it is not tried again.",
        INSTALLATION,
        {
            "address": P(
                "subject", N_("the refused address"), N_("LTI `email` claim / NRPS `email`")
            )
        },
        "id code message refused_at",
    ),
    # --- LMS groups and sections, team evaluation (issue 16) ----------------------------------
    T(
        "course_group_set",
        "A group set (or the sections) of a course, as the LMS sent it.",
        COURSE,
        {},
        "id context_id source external_id name kind updated_at",
    ),
    T(
        "course_group",
        "A group or section of a course, as the LMS sent it.",
        COURSE,
        {},
        "id context_id set_id external_id name",
    ),
    T(
        "course_group_member",
        "Who is in which group or section (for allocation and group work).",
        COURSE,
        {
            "person_id": P(
                "subject",
                N_("the member"),
                N_(
                    "custom parameters ($Canvas.group.contextIds, $Canvas.course.sectionIds, "
                    "$Moodle.Person.userGroupIds) / Course Groups Service"
                ),
            )
        },
        "id context_id group_id seen_at",
        ("person_id",),
    ),
    T(
        "course_groups_service",
        "Where a course's Course Groups Service is (Blackboard).",
        COURSE,
        {},
        "id context_id groups_url group_sets_url scopes synced_at updated_at",
    ),
    T(
        "feedback_group_config",
        "Which group set a feedback activity uses, and its team-work options.",
        COURSE,
        {},
        "id activity_id group_set_id group_submissions team_evaluation contribution_factor "
        "factor_min factor_max updated_at",
    ),
    T(
        "feedback_group_snapshot",
        "The groups as they were when a round was allocated (a later LMS change keeps it).",
        COURSE,
        {"members": P("subject", N_("each member's group then (person ids only)"))},
        "id activity_id round group_set_id kind taken_at",
    ),
    T(
        "team_rating",
        "A team member's rating of a teammate's contribution.",
        COURSE,
        {
            "rater_id": P("author", N_("who rated (never shown to the teammate)")),
            "ratee_id": P("subject", N_("who was rated")),
            "level": P("author", N_("the rating")),
        },
        "id activity_id criterion updated_at",
        ("rater_id", "ratee_id"),
    ),
    # --- peer assessment reliability (issue 17) -----------------------------------------------
    T(
        "feedback_reliability",
        "A feedback activity's calibration, discrepancy and endorsement settings.",
        COURSE,
        {},
        "activity_id discrepancy_threshold endorsement_weight calibration calibration_second_try "
        "calibration_required calibration_published_at show_other_reviews updated_at",
    ),
    T(
        "feedback_exemplar",
        "An exemplar the facilitator assessed, for students to calibrate against.",
        COURSE,
        {},
        "id activity_id position title body source levels comments created_at",
    ),
    T(
        "feedback_calibration",
        "A student's assessment of an exemplar (how far from the facilitator's).",
        COURSE,
        {"levels": P("author", N_("the levels they chose"))},
        "id activity_id exemplar_id person_id attempt submitted_at",
        ("person_id",),
    ),
    T(
        "rubric_revision",
        "A rubric sent back for revision with the evidence from a feedback round (class figures).",
        COURSE,
        {"opened_by_id": P("actor", N_("who opened the revision"))},
        "id activity_id source_activity_id from_version_id evidence opened_at",
        ("opened_by_id",),
    ),
)

BY_NAME: dict[str, T] = {t.name: t for t in TABLES}


def declared(table: str) -> T | None:
    return BY_NAME.get(table)


# The claims the tool asks the platform for, and what for (minimisation: lti/registration.py,
# lti/canvas_config.py). `email` only when e-mail reminders are on.
CLAIMS: tuple[tuple[str, str], ...] = (
    ("iss, aud, sub", N_("who the person is on which platform: links their work to them")),
    ("name, given_name, family_name", N_("shown to staff, and to peers unless anonymous")),
    ("email", N_("only requested and kept when e-mail reminders are on (SMTP_HOST is set)")),
    ("https://purl.imsglobal.org/spec/lti/claim/roles", N_("what the person may do")),
    (
        "https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor",
        N_("whose work a mentor may read"),
    ),
    ("https://purl.imsglobal.org/spec/lti/claim/context", N_("the course the work belongs to")),
    ("https://purl.imsglobal.org/spec/lti/claim/resource_link", N_("the link (activity) opened")),
    ("AGS / NRPS endpoint claims", N_("sending scores; the roster for reviewer allocation")),
    ("picture, locale, lis (SIS ids)", N_("never stored: the tool does not use them")),
)


def problems(metadata: object, tables: tuple[T, ...] = TABLES) -> list[str]:
    """What does not agree between the inventory and a SQLAlchemy MetaData: an undeclared
    table or column, a declared one that no longer exists, a column declared twice, a bad
    `whose` or link. Empty when they agree."""
    by_name = {t.name: t for t in tables}
    found: list[str] = []
    meta_tables = getattr(metadata, "tables")  # noqa: B009 - any MetaData
    for name, table in sorted(meta_tables.items()):
        entry = by_name.get(name)
        if entry is None:
            found.append(f"table {name} is not declared in lti_tool/privacy/inventory.py")
            continue
        declared_columns = entry.columns
        for column in declared_columns:
            if declared_columns.count(column) > 1:
                found.append(f"{name}.{column} is declared twice")
        for column in table.columns:
            if column.name not in declared_columns:
                found.append(f"column {name}.{column.name} is not declared")
        for column in declared_columns:
            if column not in table.columns:
                found.append(f"{name}.{column} is declared but does not exist")
    for name in sorted(set(by_name) - set(meta_tables)):
        found.append(f"table {name} is declared but does not exist")
    for entry in tables:
        for column, p in entry.personal.items():
            if p.whose not in WHOSE:
                found.append(f"{entry.name}.{column}: whose must be one of {WHOSE}")
        for link in entry.links:
            first = link.split("->")[0]
            if first not in entry.columns:
                found.append(f"{entry.name}: link {link!r} starts from an unknown column")
    return sorted(set(found))
