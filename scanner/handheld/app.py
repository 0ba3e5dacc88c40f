"""`scanstation audit`: the handheld audit screen (Textual) over a `HandheldStation`.

What it shows: the audit's location and where its expected list came from; live counters
(found of expected, missing, unexpected, unknown, weak, relocated); the missing list, which
shrinks as assets are found; and every scan, coloured by what it was, with the terminal bell for
unexpected and unknown codes. Redraws are coalesced (at most one per `REDRAW_S`), so a burst of
scans costs one redraw, not one per scan.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, OptionList, RichLog, Static

from scanner.handheld.session import LiveView, ScanNote
from scanner.handheld.station import HandheldStation

REDRAW_S = 0.03
MISSING_ROWS = 200
COUNTERS = ("found", "missing", "unexpected", "unknown_codes", "weak", "relocated")
LABELS = {"unknown_codes": "unknown"}
STYLES = {
    "found": "bold green",
    "relocated": "bold cyan",
    "again": "green",
    "unexpected": "bold white on red",
    "unknown": "bold black on yellow",
    "weak": "italic bright_blue",
}

_CSS = """
#title { height: 1; background: $boost; text-style: bold; }
#source { height: 1; color: $text-muted; }
#counters { height: 4; }
.counter { width: 1fr; height: 4; border: round $primary; content-align: center middle; }
#c-found { color: $success; }
#c-unexpected { color: $error; }
#c-unknown_codes { color: $warning; }
#c-weak { color: $accent; }
#body { height: 1fr; }
#missing { width: 1fr; border: round $secondary; }
#scans { width: 1fr; border: round $secondary; }
#message { height: 2; }
"""


class LocationPicker(ModalScreen[str | None]):
    """Pick a location that can be audited offline, or type any location code."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, locations: list[str]) -> None:
        super().__init__()
        self.locations = locations

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Pick a location (cached for offline audits), or type its code:")
            yield Input(placeholder="location code", id="code")
            yield OptionList(*self.locations, id="choices")

    def on_mount(self) -> None:
        """The cached locations first, when there are any; else typing."""
        if self.locations:
            choices = self.query_one("#choices", OptionList)
            choices.highlighted = 0
            choices.focus()
        else:
            self.query_one("#code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A typed code."""
        self.dismiss(event.value.strip() or None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A picked location."""
        self.dismiss(str(event.option.prompt))

    def action_dismiss_none(self) -> None:
        """Cancel."""
        self.dismiss(None)


class AuditApp(App[int]):
    """The handheld audit screen for one station."""

    CSS = _CSS
    TITLE = "Scan Station audit"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "pick", "Pick location"),
        Binding("u", "undo", "Undo last scan"),
        Binding("f", "finish", "Finish audit"),
        Binding("q", "quit_station", "Quit (an open audit resumes next time)"),
    ]

    def __init__(self, station: HandheldStation) -> None:
        super().__init__()
        self.station = station
        self.controller = station.controller
        self.stop = asyncio.Event()
        self.code = 0
        self.bells = 0
        self.redraws: list[tuple[float, int]] = []  # (monotonic time, scans shown): for benches
        self._redraw_due = False
        self._pending: list[ScanNote] = []
        self._shown: dict[str, str] = {}
        self._missing_rows: set[str] = set()
        self._audit_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("No audit open", id="title")
        yield Static("", id="source")
        with Horizontal(id="counters"):
            for name in COUNTERS:
                yield Static(_counter(name, None), id=f"c-{name}", classes="counter")
        with Horizontal(id="body"):
            yield DataTable(id="missing", cursor_type="row", zebra_stripes=True)
            yield RichLog(id="scans", max_lines=500, markup=False, wrap=True, min_width=20)
        yield Static(self.controller.message, id="message")
        yield Footer()

    def on_mount(self) -> None:
        """Start the station (drivers, sync, downloads) on this event loop."""
        self.query_one("#missing", DataTable).add_columns("missing", "name", "expected at")
        self.controller.on_change = self.changed
        self.changed(None)  # a resumed audit shows at once
        self.run_worker(self._run_station(), name="station", exit_on_error=False)

    async def _run_station(self) -> None:
        self.code = await self.station.run(self.stop)

    def changed(self, note: ScanNote | None) -> None:
        """The controller's news: a scan (log it, ring for alarms) or a state change."""
        if note is not None:
            self._pending.append(note)
            if note.alarming:
                self.bells += 1
                self.bell()
        if not self._redraw_due:
            self._redraw_due = True
            self.set_timer(REDRAW_S, self._redraw)

    def _log_scans(self) -> None:
        notes, self._pending = self._pending, []
        log = self.query_one("#scans", RichLog)
        for note in notes:
            log.write(_line(note))

    def _redraw(self) -> None:
        self._redraw_due = False
        self._log_scans()
        controller = self.controller
        session = controller.session or controller.last
        view = controller.live(MISSING_ROWS)
        title = "No audit open"
        if session is not None:
            state = "finished" if session.finished else "open"
            title = f"Audit of {session.audit.location} ({state}) · {session.audit.audit_id}"
            held = session.held()
            if held is not None:
                title += f" · last scan {held.asset_tag or held.code}: u undoes it"
        self._show("title", title)
        self._show("source", controller.source_note)
        self._show("message", controller.message)
        for name in COUNTERS:
            self._show(f"c-{name}", _counter(name, view))
        self._redraw_missing(view, session.audit.audit_id if session else None)
        self.redraws.append((time.monotonic(), session.scans if session else 0))

    def _show(self, widget_id: str, text: str) -> None:
        # Only what changed, and without a layout pass: every one of these has a fixed size,
        # and a layout of the whole screen per scan is what would make a burst lag.
        if self._shown.get(widget_id) != text:
            self._shown[widget_id] = text
            self.query_one(f"#{widget_id}", Static).update(text, layout=False)

    def _redraw_missing(self, view: LiveView | None, audit_id: str | None) -> None:
        table = self.query_one("#missing", DataTable)
        if audit_id != self._audit_id:
            table.clear()
            self._missing_rows.clear()
            self._audit_id = audit_id
        # The first MISSING_ROWS by tag: a screen shows a few dozen, and a 10,000-row table
        # would cost every redraw; the counter above says how many there are in all.
        rows = {r.asset_tag: r for r in view.missing_head} if view else {}
        for gone in self._missing_rows - rows.keys():
            table.remove_row(gone)
        added = [tag for tag in rows if tag not in self._missing_rows]
        for tag in added:
            row = rows[tag]
            table.add_row(tag, row.name or "", row.expected_location or "", key=tag)
        if added and self._missing_rows:  # an undo brings a row back: keep the tag order
            table.sort(next(iter(table.columns)))
        self._missing_rows = set(rows)

    def action_pick(self) -> None:
        """Choose a location from the cache (or type one) and start an audit there."""

        def picked(location: str | None) -> None:
            if location:
                self.controller.pick(location)

        self.push_screen(LocationPicker(self.controller.locations()), picked)

    def action_undo(self) -> None:
        """Take back the last scan while it is still held."""
        self._log_scans()
        note = self.controller.undo()
        if note is not None:
            self.query_one("#scans", RichLog).write(Text(f"{'undone':<10} {note.code}", "dim"))

    def action_finish(self) -> None:
        """Finish the open audit."""
        self.controller.finish()

    async def action_quit_station(self) -> None:
        """Stop the station (the outbox keeps what is unsent) and quit. An open audit stays
        open on the station and is taken up again at the next start."""
        self.stop.set()
        for worker in self.workers:
            await worker.wait()
        self.exit(self.code)


def _counter(name: str, view: LiveView | None) -> str:
    label = LABELS.get(name, name)
    if view is None:
        return f"{label}\n-"
    count = view.count(name)
    if name == "found":
        return f"{label}\n{count} of {view.expected_count}"
    return f"{label}\n{count}"


def run_audit(config_path: Path) -> int:
    """`scanstation audit --config FILE`: 0 after a clean quit, 2 for a bad station file."""
    from scanner.app import AgentError
    from scanner.settings import StationFileError, load_station

    try:
        config = load_station(config_path)
        log = config.path(config.audit.log)
        log.parent.mkdir(parents=True, exist_ok=True)
        # The screen owns the terminal: logs go to a file.
        logging.basicConfig(
            level=logging.INFO,
            filename=log,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger("httpx").setLevel(logging.WARNING)
        station = HandheldStation(config)
    except (StationFileError, AgentError, OSError) as err:
        sys.stderr.write(f"cannot start the audit screen: {err}\n")
        return 2
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        station.cache.close()
        station.agent.outbox.close()
        sys.stderr.write(
            "cannot start the audit screen: it needs a terminal. A station without a screen "
            "audits with control labels: run `scanstation agent` and scan LOC:<code>, "
            "CMD:AUDIT, the assets, then CMD:DONE.\n"
        )
        return 2
    return AuditApp(station).run() or 0


def _line(note: ScanNote) -> Text:
    what = note.asset_tag or note.code
    line = f"{note.verdict:<10} {what}"
    if note.name:
        line += f"  {note.name}"
    if note.verdict == "unexpected":
        line += f"  (belongs at {note.expected_at or 'no location'})"
    elif note.verdict == "relocated":
        line += f"  (seen at {note.location}, expected at {note.expected_at})"
    return Text(line, style=STYLES.get(note.verdict, ""))
