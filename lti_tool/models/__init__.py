"""Typed SQLAlchemy 2.0 models, one module per aggregate."""

from lti_tool.models.admin import AdminSession, AdminUser, SignInThrottle
from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Context, Membership, Person, ResourceLink, Role
from lti_tool.models.event import ActorKind, Event
from lti_tool.models.idempotency import SubmittedForm
from lti_tool.models.platform import (
    Deployment,
    DeploymentPolicy,
    DeploymentStatus,
    Platform,
    PlatformKeySet,
    PlatformStatus,
    ProductFamily,
)
from lti_tool.models.security import ToolKey, ToolKeyStatus, UsedNonce
from lti_tool.models.session import LaunchSession, LinkLaunch, UsedLinkTicket

__all__ = [
    "ActorKind",
    "AdminSession",
    "AdminUser",
    "SignInThrottle",
    "Event",
    "Base",
    "Context",
    "Deployment",
    "DeploymentPolicy",
    "DeploymentStatus",
    "Membership",
    "Person",
    "Platform",
    "PlatformKeySet",
    "PlatformStatus",
    "ProductFamily",
    "ResourceLink",
    "Role",
    "SubmittedForm",
    "ToolKey",
    "ToolKeyStatus",
    "UsedNonce",
    "LaunchSession",
    "LinkLaunch",
    "UsedLinkTicket",
    "utcnow",
]

# LTI Advantage services: activities and their placement, grade delivery, roster, tokens.
from lti_tool.models.activity import (  # noqa: E402
    Activity,
    Artifact,
    DeepLinkRequest,
    PlacedBy,
    Placement,
)
from lti_tool.models.grading import (  # noqa: E402
    DeliveryStatus,
    LineItem,
    LineItemState,
    OutboxScore,
)
from lti_tool.models.lti_services import AccessToken, CourseServices  # noqa: E402
from lti_tool.models.roster import MemberStatus, RosterMember, RosterSync  # noqa: E402

__all__ += [
    "AccessToken",
    "Activity",
    "Artifact",
    "CourseServices",
    "DeepLinkRequest",
    "DeliveryStatus",
    "LineItem",
    "LineItemState",
    "MemberStatus",
    "OutboxScore",
    "PlacedBy",
    "Placement",
    "RosterMember",
    "RosterSync",
]

# Rubric co-creation (issue 6).
from lti_tool.models.rubrics import (  # noqa: E402
    Ballot,
    Criterion,
    Level,
    LevelDraft,
    Proposal,
    ProposalComment,
    ProposalFate,
    RubricSetup,
    RubricVersion,
    Vote,
    VoteMode,
)

__all__ += [
    "Ballot",
    "Criterion",
    "Level",
    "LevelDraft",
    "Proposal",
    "ProposalComment",
    "ProposalFate",
    "RubricSetup",
    "RubricVersion",
    "Vote",
    "VoteMode",
]

# Goal setting (issue 5).
from lti_tool.models.goals import (  # noqa: E402
    CheckIn,
    CheckInComment,
    Goal,
    GoalResponse,
    GoalSettings,
    GoalStatus,
    GoalVersion,
    Reflection,
)

__all__ += [
    "CheckIn",
    "CheckInComment",
    "Goal",
    "GoalResponse",
    "GoalSettings",
    "GoalStatus",
    "GoalVersion",
    "Reflection",
]

# Feedback rounds (issue 7).
from lti_tool.models.feedback import (  # noqa: E402
    FeedbackAllocation,
    FeedbackComment,
    FeedbackConfig,
    FeedbackCriterion,
    FeedbackReview,
    FeedbackRevisionPlan,
    FeedbackScore,
    FeedbackSubmission,
)

__all__ += [
    "FeedbackAllocation",
    "FeedbackComment",
    "FeedbackConfig",
    "FeedbackCriterion",
    "FeedbackReview",
    "FeedbackRevisionPlan",
    "FeedbackScore",
    "FeedbackSubmission",
]

# Operations: scheduled jobs and worker heartbeats.
from lti_tool.models.jobs import ScheduledJob, WorkerHeartbeat  # noqa: E402

__all__ += ["ScheduledJob", "WorkerHeartbeat"]
# Uploaded files in the database (the default upload store, lti_tool/storage/).
from lti_tool.models.storage import StoredFile  # noqa: E402

__all__ += ["StoredFile"]
# The tool's private signing keys, when they are kept in the database.
from lti_tool.models.signing_keys import SigningKeySecret  # noqa: E402

__all__ += ["SigningKeySecret"]
# Course copy continuity and platform notices (issue 16 item 2).
from lti_tool.models.course_copy import (  # noqa: E402
    ActivityCopy,
    ContextOrigin,
    LinkHistory,
    NoticeHandler,
    ReceivedNotice,
)

__all__ += ["ActivityCopy", "ContextOrigin", "LinkHistory", "NoticeHandler", "ReceivedNotice"]
# Data rights: each platform's course retention rule (issue 18).
from lti_tool.models.privacy import RetentionRule  # noqa: E402

__all__ += ["RetentionRule"]
# Extensions and accommodations; reminder e-mail (issue 16).
from lti_tool.models.extensions import Extension, ExtensionPolicy  # noqa: E402
from lti_tool.models.reminders import MailPreference, MailSent, RefusedAddress  # noqa: E402

__all__ += ["Extension", "ExtensionPolicy", "MailPreference", "MailSent", "RefusedAddress"]

from lti_tool.models.groups import (  # noqa: E402
    CourseGroup,
    CourseGroupMember,
    CourseGroupSet,
    CourseGroupsService,
    FeedbackGroupConfig,
    FeedbackGroupSnapshot,
    TeamRating,
)

__all__ += [
    "CourseGroup",
    "CourseGroupMember",
    "CourseGroupSet",
    "CourseGroupsService",
    "FeedbackGroupConfig",
    "FeedbackGroupSnapshot",
    "TeamRating",
]
# Peer assessment reliability: calibration exemplars and attempts, weighting settings (issue 17).
from lti_tool.models.reliability import (  # noqa: E402
    FeedbackCalibration,
    FeedbackExemplar,
    FeedbackReliability,
    RubricRevision,
)

__all__ += ["FeedbackCalibration", "FeedbackExemplar", "FeedbackReliability", "RubricRevision"]
