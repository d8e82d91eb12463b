"""The Google Contacts connector passes the connector contract against the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gcontacts_support import PeopleRemote

from relationkit.testing import GoogleEmulator
from relationkit.testing.contract import ConnectorContract
from relationkit_google_contacts import GoogleContactsConnector


class TestGoogleContactsContract(ConnectorContract):
    @pytest.fixture
    def make_connector(self, google_emulator: GoogleEmulator):
        return lambda workspace: GoogleContactsConnector(workspace, {})

    @pytest.fixture
    def remote(self, google_emulator: GoogleEmulator) -> PeopleRemote:
        return PeopleRemote(google_emulator)


class TestGoogleContactsContractWithPropagationDelay(TestGoogleContactsContract):
    """The same contract while Google shows writes in lists only after a while."""

    @pytest.fixture
    def remote(self, google_emulator: GoogleEmulator) -> PeopleRemote:
        return PeopleRemote(google_emulator, api_delay=timedelta(minutes=5))
