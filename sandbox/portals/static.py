"""A plain static site (no CMS tricks): ``/info/<col>/<id>.htm`` articles, lists ``index.htm``,
``list_2.htm``… with 下一页 links, multi-page articles as ``<id>_2.htm``."""

from __future__ import annotations

import datetime as dt

from sandbox.portals.base import Family
from sandbox.universe import Column, Portal


class Static(Family):
    name = "static"
    article_base = 100

    def column_dir(self, portal: Portal, col: Column) -> str:
        if col.kind == "nb":
            return "/xxgk/ndbg/"
        if col.kind == "body":
            return f"/xxgk/ndbg/{col.slug}/"
        return "/news/" if col.kind == "news" else "/xxgk/zcfg/"

    def xxgk_path(self, portal: Portal) -> str:
        return "/xxgk/index.htm"

    def column_path(self, portal: Portal, col: Column, page: int = 0) -> str:
        return self.column_dir(portal, col) + ("index.htm" if page == 0 else f"list_{page + 1}.htm")

    def article_path(self, portal: Portal, col: Column, aid: int, date: dt.date, page: int) -> str:
        return f"/info/{col.id}/{aid}{'' if page == 0 else f'_{page + 1}'}.htm"

    def attachment_path(self, portal: Portal, col: Column, aid: int, date: dt.date, k: int,
                        ext: str, h: int) -> str:
        return f"/uploadfile/{date:%Y}/{aid}{k}{h % 1000:03d}.{ext}"
