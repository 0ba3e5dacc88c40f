from __future__ import annotations

from pathlib import Path

import pytest

from scanner.queue.cache import CacheError, ReferenceCache

EXPECTED = {
    "location": "WH1",
    "scope": ["WH1", "WH1-A"],
    "as_of": "2026-11-25T12:00:00+00:00",
    "assets": [{"asset_tag": "A1", "name": "Drill", "location": "WH1-A", "keys": ["tag/A1"]}],
}


def test_cache_downloads_replace_whole_and_survive_a_reopen(tmp_path: Path):
    cache = ReferenceCache(tmp_path / "cache.db")
    cache.store_identities({"identities": [{"key": "tag/A1", "asset_tag": "A1"}]}, "t1")
    cache.store_identities({"identities": [{"key": "tag/B2", "asset_tag": "B2"}]}, "t2")
    cache.store_expected("WH1", True, EXPECTED, "t2")
    cache.close()
    again = ReferenceCache(tmp_path / "cache.db")
    assert set(again.registered()) == {"tag/B2"}
    assert again.identities_fetched_at() == "t2"
    listed = again.expected("WH1", True)
    assert listed is not None and listed.scope == ("WH1", "WH1-A")
    assert [(a.asset_tag, a.keys, a.location) for a in listed.assets] == [
        ("A1", ("tag/A1",), "WH1-A")
    ]
    assert again.expected("WH1", False) is None


def test_cache_bad_download_changes_nothing(tmp_path: Path):
    cache = ReferenceCache(tmp_path / "cache.db")
    cache.store_identities([{"key": "tag/A1", "asset_tag": "A1"}], "t1")
    with pytest.raises(CacheError, match="asset_tag"):
        cache.store_identities([{"key": "tag/B2"}], "t2")
    assert set(cache.registered()) == {"tag/A1"}


def test_cache_keeps_the_open_audit_and_its_scans_until_cleared(tmp_path: Path):
    cache = ReferenceCache(tmp_path / "cache.db")
    listed = cache.store_expected("WH1", True, EXPECTED, "t1")
    cache.save_open_audit("a1", "WH1", listed)
    cache.journal_read("a1", {"code": "A1"})
    cache.journal_read("a1", {"code": "X"})
    cache.close()
    again = ReferenceCache(tmp_path / "cache.db")
    state = again.open_audit()
    assert state is not None
    audit_id, location, expected, reads = state
    assert (audit_id, location, reads) == ("a1", "WH1", [{"code": "A1"}, {"code": "X"}])
    assert expected.assets == listed.assets and expected.scope == listed.scope
    again.clear_open_audit()
    assert again.open_audit() is None
