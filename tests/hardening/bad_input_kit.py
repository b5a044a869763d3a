"""What the bad-input tests share: ids past any row, overlong text, the rows a refusal
must leave as they were, and how a refusal is read."""

from approvals.models import ApprovalRequest
from audit.models import AuditEvent
from dispatch.models import Dispatch, TrainingClass
from ledger.models import HourImport, HourRecord
from notifications.models import ContactProfile
from org.models import Cadre, Delegation

BIG = str(2**63)  # one past the largest id a BigAutoField holds
HUGE = "9" * 30
LONG = "党" * 200_000  # past SQLite's 50,000-byte LIKE pattern limit
WRITTEN = [
    AuditEvent,
    Cadre,
    TrainingClass,
    Dispatch,
    ApprovalRequest,
    HourImport,
    HourRecord,
    ContactProfile,
    Delegation,
]


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def refused(response, text: str, status: int = 200) -> str:
    """The page answers `status` with `text` on it; its content."""
    page = response.content.decode()
    assert response.status_code == status, (response.status_code, page[:500])
    assert text in page, page[:3000]
    return page
