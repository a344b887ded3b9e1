"""The shared loop scenario's fixtures: the Telegram world and the Feishu world, one driver over each."""

from __future__ import annotations

import pytest

from tests.feishu.conftest import feishu_kb, feishu_options, feishu_settings, fworld  # noqa: F401 - fixtures
from tests.flows.conftest import overrides, shared_kb, world, world_kb  # noqa: F401 - fixtures
from tests.scenario.drivers import Driver, FeishuDriver, TelegramDriver


@pytest.fixture(params=["telegram", "feishu"])
def driver(request: pytest.FixtureRequest) -> Driver:
    if request.param == "telegram":
        return TelegramDriver(request.getfixturevalue("world"))
    return FeishuDriver(request.getfixturevalue("fworld"))
