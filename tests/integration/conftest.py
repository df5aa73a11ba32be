import pytest

from sluice_broker import Broker


@pytest.fixture
def broker():
    with Broker() as running:
        yield running
