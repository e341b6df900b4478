"""``nianbao deploy``: package the project as an egg and upload it to Scrapyd nodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click


@click.command("deploy")
@click.option("--node", "nodes", multiple=True, required=True, metavar="URL",
              help="A Scrapyd node, e.g. http://10.0.0.5:6800 (repeat for each node).")
@click.option("--project", default="nianbao", show_default=True, help="Scrapyd project name.")
@click.option("--version", "version", default=None,
              help="Version to upload as (default: the UTC time, YYYYmmddHHMMSS, so the newest "
                   "deploy is the nodes' default).")
@click.option("--egg", "egg_out", default=None, type=click.Path(dir_okay=False),
              help="Also write the egg to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print what each node answered as JSON.")
def deploy(nodes: tuple[str, ...], project: str, version: str | None, egg_out: str | None,
           as_json: bool) -> None:
    """Package nianbao's crawler (with its archive writer and registry loader) as an egg for
    Scrapyd and upload it to every --node with addversion.json.

    Each node needs Python with nianbao's dependencies installed (pip install 'nianbao[cluster]'),
    Debian's chromium for pages that need rendering, a running scrapyd, and the data directory
    mounted at the same path as on the machine that runs `nianbao run-due --nodes`.
    """
    from crawler.egg import build_egg, code_digest
    from crawler.scrapyd_api import ScrapydError, ScrapydNode

    version = version or datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    try:
        targets = [ScrapydNode(u, timeout=120) for u in nodes]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--node") from exc
    egg = build_egg(version)
    if egg_out:
        with open(egg_out, "wb") as fh:
            fh.write(egg)
    results, failed = [], []
    for node in targets:
        try:
            answer = node.add_version(project, version, egg)
            results.append({"node": node.url, "ok": True, "spiders": answer.get("spiders")})
        except ScrapydError as exc:
            results.append({"node": node.url, "ok": False, "error": str(exc)})
            failed.append(f"{node.url}: {exc}")
    summary = {"project": project, "version": version, "code": code_digest(),
               "egg_bytes": len(egg), "nodes": results}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        for r in results:
            state = f"ok ({r['spiders']} spider)" if r["ok"] else f"FAILED: {r['error']}"
            click.echo(f"{r['node']}: {project} {version} {state}")
    if failed:
        raise click.ClickException("deploy failed on " + "; ".join(failed))
