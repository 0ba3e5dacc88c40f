"""Money: depreciation schedules and book values as pure functions (no database, no clock)."""
