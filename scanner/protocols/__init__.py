"""Pure (sans-IO) protocol state machines; time is passed in, never read."""
