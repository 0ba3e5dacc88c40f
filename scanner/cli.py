"""The `scanstation` command (contract section 1): argument parsing and wiring only.

Each command imports its implementation when it runs, so `scanstation identify` does not pay
for the server's imports and the agent does not need the server installed to start.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_DB = "sqlite:///./var/scanstation.db"

app = typer.Typer(
    name="scanstation",
    help="Scan Station: fixed-asset tracking from real scanners.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
device_app = typer.Typer(help="Enroll and revoke edge devices.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
import_app = typer.Typer(help="Import data.", no_args_is_help=True)
app.add_typer(device_app, name="device")
app.add_typer(user_app, name="user")
token_app = typer.Typer(help="Issue and revoke a user's API tokens.", no_args_is_help=True)
user_app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")

DbOpt = Annotated[
    str, typer.Option("--db", envvar="SCANSTATION_DB", help="Database URL (SQLite or PostgreSQL).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object per line.")]


@app.command()
def server(
    db: DbOpt = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8700,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated addresses of the reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed (none by default: the peer's address counts).",
        ),
    ] = None,
    https: Annotated[
        bool,
        typer.Option(
            "--https",
            help="The site is served over HTTPS (TLS terminated here or at a proxy): cookies "
            "are Secure and HSTS is sent.",
        ),
    ] = False,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy",
            help="Shorthand for --forwarded-allow-ips 127.0.0.1 (a proxy on this machine).",
        ),
    ] = False,
    max_connections: Annotated[
        int, typer.Option(min=1, help="Concurrent connections before new ones get 503.")
    ] = 1000,
) -> None:
    """Run the sync server and its web UI (the schema is brought up to date first)."""
    from sync_server.commands import ServeOptions, serve

    trusted = forwarded_allow_ips or ("127.0.0.1" if behind_proxy else None)
    options = ServeOptions(host, port, trusted, https, max_connections)
    raise typer.Exit(serve(db, options))


@app.command()
def agent(
    config: Annotated[Path, typer.Option("--config", help="The station file (station.toml).")],
) -> None:
    """Run the edge agent described by a station file."""
    from scanner.app import run_agent

    raise typer.Exit(run_agent(config))


@app.command()
def audit(
    config: Annotated[Path, typer.Option("--config", help="The station file (station.toml).")],
) -> None:
    """Audit a location on a handheld station: a screen over its scanners, offline first."""
    from scanner.handheld.app import run_audit

    raise typer.Exit(run_audit(config))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the web UI (0 picks a free one).")] = 8700,
    workdir: Annotated[
        Path | None, typer.Option(help="Where the demo keeps its database and queue.")
    ] = None,
) -> None:
    """Run the whole system on one machine with simulated devices."""
    from scanner.demo import run_demo

    raise typer.Exit(run_demo(port=port, workdir=workdir))


@app.command()
def simulate(
    profile: Annotated[str, typer.Argument(help="A hardware profile id or a profile file.")],
    tag: Annotated[list[str] | None, typer.Option("--tag", help="An EPC (hex) or code.")] = None,
    tags: Annotated[Path | None, typer.Option(help="A file with one EPC or code a line.")] = None,
    rate: Annotated[float, typer.Option(help="Reads (RFID) or scans (wand) per second.")] = 1.0,
    dock_door: Annotated[
        bool,
        typer.Option(
            "--dock-door",
            help="RFID: drive the tags in pallets through a portal (antennas 1, 3 out; 2, 4 in).",
        ),
    ] = False,
) -> None:
    """Start a simulated device on a new pseudo-terminal; print its path, then serve."""
    from scanner.sim.cli import run_simulator

    raise typer.Exit(run_simulator(profile, list(tag or []), tags, rate, dock_door))


@device_app.command("enroll")
def device_enroll(
    name: Annotated[str, typer.Argument(help="The device id ([A-Za-z0-9._-]{1,64}).")],
    read_point: Annotated[str | None, typer.Option(help="Its read point code.")] = None,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """Register an edge device and print its token (shown once)."""
    from sync_server.commands import enroll_device

    raise typer.Exit(enroll_device(db, name, read_point, as_json))


@device_app.command("revoke")
def device_revoke(
    device_id: Annotated[str, typer.Argument(help="The device to revoke.")],
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Make a device's token stop working at once."""
    from sync_server.commands import revoke_device

    raise typer.Exit(revoke_device(db, device_id))


NameArg = Annotated[str, typer.Argument(help="The user's login name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    name: NameArg,
    role: Annotated[str, typer.Option(help="admin, auditor or viewer.")],
    password_stdin: PasswordStdin = False,
    token_only: Annotated[
        bool,
        typer.Option(
            "--token-only", help="No password: the user can only use API tokens, not sign in."
        ),
    ] = False,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """Create a user and print an API token for it. A password (at least 12 characters, not a
    common one) comes from --password-stdin; --token-only makes a user without one."""
    from sync_server.commands import add_user

    if password_stdin and token_only:
        raise typer.BadParameter("give --password-stdin or --token-only, not both")
    if not password_stdin and not token_only:
        typer.echo(f"note: {name} gets no password (token only); say --token-only", err=True)
    password = _read_password() if password_stdin else None
    raise typer.Exit(add_user(db, name, role, password, as_json))


@user_app.command("list")
def user_list(db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """List users with their role, state and API tokens (expiry, last use)."""
    from sync_server.user_commands import list_users

    raise typer.Exit(list_users(db, as_json))


@user_app.command("disable")
def user_disable(name: NameArg, db: DbOpt = DEFAULT_DB) -> None:
    """Disable a user: their sessions end and their API tokens are revoked at once."""
    from sync_server.user_commands import set_disabled

    raise typer.Exit(set_disabled(db, name, True))


@user_app.command("enable")
def user_enable(name: NameArg, db: DbOpt = DEFAULT_DB) -> None:
    """Enable a disabled user again (their password works; tokens must be issued anew)."""
    from sync_server.user_commands import set_disabled

    raise typer.Exit(set_disabled(db, name, False))


@user_app.command("passwd")
def user_passwd(
    name: NameArg, password_stdin: PasswordStdin = False, db: DbOpt = DEFAULT_DB
) -> None:
    """Set a user's password (read from standard input, or asked for); their sessions end."""
    from sync_server.user_commands import change_password

    if password_stdin:
        password = _read_password()
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    raise typer.Exit(change_password(db, name, password))


@token_app.command("new")
def user_token_new(
    name: NameArg,
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime such as 90m, 12h, 30d or 2w (default: none).")
    ] = None,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """Issue a new API token for a user (shown once)."""
    from sync_server.user_commands import new_token

    raise typer.Exit(new_token(db, name, expires_in, as_json))


@token_app.command("revoke")
def user_token_revoke(
    name: NameArg,
    token_id: Annotated[
        int | None, typer.Option("--id", help="The token to revoke (default: all of them).")
    ] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Revoke one API token of a user (--id, from `user list`) or all of them."""
    from sync_server.user_commands import revoke_token

    raise typer.Exit(revoke_token(db, name, token_id))


@import_app.command("assets")
def import_assets(
    file: Annotated[Path, typer.Argument(help="A CSV file (Snipe-IT export headers accepted).")],
    db: DbOpt = DEFAULT_DB,
    server: Annotated[
        str | None,
        typer.Option("--server", help="Import through this running server's API instead of --db."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="SCANSTATION_API_TOKEN", help="An admin's API token (--server)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import an asset register; all or nothing per file; prints where each column went."""
    from sync_server.commands import import_assets as run_import

    raise typer.Exit(run_import(db, file, as_json, server, token))


@app.command()
def labels(
    output: Annotated[Path, typer.Option("--output", "-o", help="The PDF or ZPL file to write.")],
    asset: Annotated[list[str] | None, typer.Option(help="An asset tag (repeatable).")] = None,
    q: Annotated[
        str | None, typer.Option(help="Assets whose tag, name or serial has this.")
    ] = None,
    location: Annotated[str | None, typer.Option(help="Assets with this home location.")] = None,
    category: Annotated[str | None, typer.Option(help="Assets of this category.")] = None,
    layout: Annotated[
        str, typer.Option(help="avery-l7160, avery-5160, roll-57x32 or roll-102x51.")
    ] = "avery-l7160",
    symbology: Annotated[str, typer.Option(help="code128, qr or gs1-datamatrix.")] = "code128",
    zpl: Annotated[
        bool, typer.Option("--zpl", help="ZPL for Zebra printers instead of PDF.")
    ] = False,
    rfid: Annotated[
        bool, typer.Option("--rfid", help="ZPL: encode the GIAI-96 EPC (^RFW).")
    ] = False,
    skip: Annotated[int, typer.Option(help="Label slots already used on the first sheet.")] = 0,
    company_prefix: Annotated[
        str | None,
        typer.Option(
            envvar="SCANSTATION_GS1_COMPANY_PREFIX", help="GS1 company prefix for allocating GIAIs."
        ),
    ] = None,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """Print asset labels: PDF sheets or rolls, or ZPL (with RFID encoding)."""
    from sync_server.labels_cli import run_labels

    options = {
        "assets": asset or None, "q": q, "location": location, "category": category,
        "layout": layout, "symbology": symbology, "format": "zpl" if zpl else "pdf",
        "rfid": rfid, "skip": skip,
    }  # fmt: skip
    raise typer.Exit(run_labels(db, options, output, company_prefix, as_json))


@app.command()
def decode(
    images: Annotated[list[Path], typer.Argument(help="Image files to decode.")],
    as_json: JsonOpt = False,
) -> None:
    """Decode every barcode in each image."""
    from scanner.commands.decode import run_decode

    raise typer.Exit(run_decode(images, as_json))


@app.command()
def identify(
    code: Annotated[str, typer.Argument(help="A scanned code, Digital Link URL or EPC hex.")],
    symbology: Annotated[str | None, typer.Option(help="Force a symbology, e.g. epc.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show how the system understands a scanned code."""
    from scanner.commands.identify import run_identify

    raise typer.Exit(run_identify(code, symbology, as_json))


def main() -> None:
    """Console entry point."""
    app()
