"""`chinareport serve`: the archive in a web browser, read-only (the app is ``crawler.web``)."""

from __future__ import annotations

import click

from crawler.cli.common import fail, storage_options
from crawler.jobs.paths import Paths


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8638,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@storage_options
def command(host: str, port: int, paths: Paths) -> None:
    """Search, read and compare the archived articles in a web browser (read-only)."""
    try:
        from crawler.web.app import LOOPBACK_HOSTS, create_app
        from crawler.web.server import bind, is_loopback, run, url_of
    except ImportError as exc:
        fail(f"serve needs the web extra: pip install 'chinareport-archive[web]' ({exc})")
        return
    from pipelines.errors import StoreError

    loopback = is_loopback(host)
    try:
        app = create_app(
            paths.db_url,
            paths.warc_dir,
            allowed_hosts=LOOPBACK_HOSTS if loopback and ":" not in host else None,
        )
    except StoreError as exc:
        fail(str(exc))
        return
    try:
        sock = bind(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return
    if not loopback:
        click.echo(
            f"chinareport: warning: listening on {host}: anyone who can reach this address "
            "can read the archive",
            err=True,
        )
    try:
        click.echo(f"Serving {app.state.site.db_label} at {url_of(sock)} (Ctrl-C stops)")
        run(app, sock)
    except KeyboardInterrupt:  # Ctrl-C before the server took over its signals: same end
        sock.close()
