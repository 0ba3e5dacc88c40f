"""The handheld audit station (issue 9): `scanstation audit`, a Textual screen over the agent."""
