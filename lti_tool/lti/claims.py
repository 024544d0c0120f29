"""LTI 1.3 claim names, message types and role URIs in one place."""

from typing import Final

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE: Final = LTI + "message_type"
VERSION: Final = LTI + "version"
DEPLOYMENT_ID: Final = LTI + "deployment_id"
TARGET_LINK_URI: Final = LTI + "target_link_uri"
RESOURCE_LINK: Final = LTI + "resource_link"
ROLES: Final = LTI + "roles"
CONTEXT: Final = LTI + "context"
TOOL_PLATFORM: Final = LTI + "tool_platform"
CUSTOM: Final = LTI + "custom"
FOR_USER: Final = LTI + "for_user"
# The users a Mentor may see (LTI 1.3 core 5.4.4; Canvas: an observer's observees).
ROLE_SCOPE_MENTOR: Final = LTI + "role_scope_mentor"
LAUNCH_PRESENTATION: Final = LTI + "launch_presentation"
DEEP_LINKING_SETTINGS: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT: Final = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS: Final = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

LTI_VERSION: Final = "1.3.0"

RESOURCE_LINK_REQUEST: Final = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST: Final = "LtiDeepLinkingRequest"
SUBMISSION_REVIEW_REQUEST: Final = "LtiSubmissionReviewRequest"
SUPPORTED_MESSAGE_TYPES: Final = frozenset(
    {RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST, SUBMISSION_REVIEW_REQUEST}
)

# Role vocabularies (LTI 1.3 core, appendix A).
MEMBERSHIP: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
MEMBERSHIP_SUB: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
INSTITUTION: Final = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM: Final = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

ROLE_INSTRUCTOR: Final = MEMBERSHIP + "Instructor"
ROLE_LEARNER: Final = MEMBERSHIP + "Learner"
ROLE_MENTOR: Final = MEMBERSHIP + "Mentor"
ROLE_MENTOR_SUB: Final = MEMBERSHIP_SUB + "Mentor#"  # Advisor, Auditor, Tutor, ...
ROLE_CONTENT_DEVELOPER: Final = MEMBERSHIP + "ContentDeveloper"
ROLE_CONTEXT_ADMIN: Final = MEMBERSHIP + "Administrator"
ROLE_TEACHING_ASSISTANT: Final = MEMBERSHIP_SUB + "Instructor#TeachingAssistant"
ROLE_INSTITUTION_ADMIN: Final = INSTITUTION + "Administrator"
ROLE_INSTITUTION_STUDENT: Final = INSTITUTION + "Student"
ROLE_INSTITUTION_INSTRUCTOR: Final = INSTITUTION + "Instructor"
ROLE_INSTITUTION_MENTOR: Final = INSTITUTION + "Mentor"
ROLE_INSTITUTION_OBSERVER: Final = INSTITUTION + "Observer"
ROLE_SYSTEM_ADMIN: Final = SYSTEM + "Administrator"
ROLE_SYSTEM_SYSADMIN: Final = SYSTEM + "SysAdmin"


def presentation_locale(claims: dict) -> str | None:  # type: ignore[type-arg]
    """The user's language the launch names: the launch presentation claim's `locale` (LTI 1.3
    core 5.4.5; a BCP 47 tag such as "fr-CA"; Moodle sends its language code, e.g. "fr_ca")."""
    presentation = claims.get(LAUNCH_PRESENTATION)
    if not isinstance(presentation, dict):
        return None
    locale = presentation.get("locale")
    return locale if isinstance(locale, str) else None
