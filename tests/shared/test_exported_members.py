"""Every public name of `shared` and `shared.identifiers` is exported, sorted, and importable."""

from __future__ import annotations

import types

import pytest

import shared
import shared.identifiers


def _public(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name != "annotations"
        and not isinstance(value, types.ModuleType)
    }


@pytest.mark.parametrize("module", [shared, shared.identifiers])
def test_exported_members_match_public_names(module: types.ModuleType):
    exported = list(module.__all__)
    assert set(exported) == _public(module)
    assert len(exported) == len(set(exported))
    for name in exported:
        assert getattr(module, name) is not None


def test_exported_members_identifiers_all_is_sorted():
    names = shared.identifiers.__all__
    assert names == sorted(names, key=lambda name: (not name[:1].isupper(), name))
