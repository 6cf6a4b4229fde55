from datetime import datetime

import pytest

from governance.access.grant import Grant
from governance.access.policy import project_policy
from governance.contracts import load_contracts
from governance.corrections.store import CorrectionStore
from governance.corrections.targets import correction_targets

FILED = datetime(2025, 9, 26, 10, 0)  # Friday before the 2025 National Day holiday


@pytest.fixture(scope="session")
def targets():
    return correction_targets(load_contracts())


@pytest.fixture
def store(tmp_path):
    return CorrectionStore.open(f"sqlite:///{tmp_path / 'sharing.db'}")


@pytest.fixture(scope="session")
def policy():
    """The project's access policy with one live grant: emergency reads some hotline ticket columns."""
    grant = Grant(
        "emergency",
        "exchange.hotline_tickets",
        ("ticket_id", "category", "street", "caller_mobile"),
        expires_at=datetime(2030, 1, 1),
        grant_id="SR-test",
    )
    return project_policy([grant], FILED)
