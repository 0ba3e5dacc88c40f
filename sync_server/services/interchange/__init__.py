"""Interchange with other systems: EPCIS 2.0 export (contract 2.4). Nothing here commits."""

from __future__ import annotations
