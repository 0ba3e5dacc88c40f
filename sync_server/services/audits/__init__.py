"""Audits and reconciliation (contract 2.3 and the extensions in docs/audits.md): opening and
closing audits (by API or by a station's events), the expected lists, the reconciliation,
resolutions, schedules, reports and EPCIS export. Nothing here commits."""

from __future__ import annotations
