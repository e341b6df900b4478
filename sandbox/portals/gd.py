"""Guangdong-style shared platform: ``/<column>/content/post_<n>.html`` articles, lists
``index.html``, ``index_2.html``… with plain page links."""

from __future__ import annotations

import datetime as dt

from sandbox.portals.base import Family
from sandbox.universe import Column, Portal


class GD(Family):
    name = "gd"
    article_base = 3_300_000

    def column_dir(self, portal: Portal, col: Column) -> str:
        if col.kind == "nb":
            return "/zwgk/xxgknb/"
        if col.kind == "body":
            return f"/zwgk/xxgknb/{col.slug}/"
        return "/zwgk/xwdt/" if col.kind == "news" else "/zwgk/wjk/zcwj/"

    def xxgk_path(self, portal: Portal) -> str:
        return "/zwgk/index.html"

    def column_path(self, portal: Portal, col: Column, page: int = 0) -> str:
        return self.column_dir(portal, col) + ("index.html" if page == 0 else f"index_{page + 1}.html")

    def article_path(self, portal: Portal, col: Column, aid: int, date: dt.date, page: int) -> str:
        return f"{self.column_dir(portal, col)}content/post_{aid}.html"

    def attachment_path(self, portal: Portal, col: Column, aid: int, date: dt.date, k: int,
                        ext: str, h: int) -> str:
        return f"/attachment/0/{aid // 1000}/{aid}/{h % 10**7:07d}.{ext}"
