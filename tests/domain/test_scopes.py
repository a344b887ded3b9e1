"""What a group may be shown: the scope both the caller and the group's unit may see."""

from __future__ import annotations

import pytest

from domain.members import Scope, common_scope

COUNTY, XFDD, CGZ, E01 = Scope(everything=True), Scope(unit_id="xfdd"), Scope(unit_id="cgz"), Scope(enterprise_id="e01")


@pytest.mark.parametrize(("caller", "group", "expected"), [
    (COUNTY, XFDD, XFDD),  # an admin in a department's group: that department
    (XFDD, COUNTY, XFDD),  # a department's member in the 安委办's group: their own department
    (XFDD, XFDD, XFDD),
    (COUNTY, COUNTY, COUNTY),
    (XFDD, CGZ, None),  # department and township overlap only in part
    (E01, CGZ, None),  # an enterprise's hazards may have moved to another township's care
    (E01, COUNTY, E01),
])  # fmt: skip
def test_common_scope(caller: Scope, group: Scope, expected: Scope | None) -> None:
    assert common_scope(caller, group) == expected
