"""TRS WCM-like portals: ``/<col>/YYYYMM/tYYYYMMDD_<id>.html`` articles and lists paginated only
by ``createPageHTML(<pages>, <current>, "index", "html")`` in a script (no plain next link)."""

from __future__ import annotations

import datetime as dt

from sandbox.portals.base import Family
from sandbox.universe import Column, Portal

CREATE_PAGE_HTML_JS = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("<span>首页</span> ");
  else document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a> ");
  if(nCurrIndex > 0){
    var prev = nCurrIndex == 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + (nCurrIndex - 1) + "." + _sPageExt;
    document.write("<a href=\\"" + prev + "\\">上一页</a> ");
  }
  if(nCurrIndex + 1 < _nPageCount){
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a> ");
  }
}"""


class TRS(Family):
    name = "trs"
    article_base = 5_000_000
    dated_urls = True

    def column_dir(self, portal: Portal, col: Column) -> str:
        if col.kind == "nb":
            return "/zwgk/xxgknb/"
        if col.kind == "body":
            return f"/zwgk/xxgknb/{col.slug}/"
        return "/xwzx/" if col.kind == "news" else "/zwgk/zcwj/"

    def xxgk_path(self, portal: Portal) -> str:
        return "/zwgk/index.html"

    def column_path(self, portal: Portal, col: Column, page: int = 0) -> str:
        name = "index.html" if page == 0 else f"index_{page}.html"
        return self.column_dir(portal, col) + name

    def article_path(self, portal: Portal, col: Column, aid: int, date: dt.date, page: int) -> str:
        suffix = "" if page == 0 else f"_{page}"
        return f"{self.column_dir(portal, col)}{date:%Y%m}/t{date:%Y%m%d}_{aid}{suffix}.html"

    def attachment_path(self, portal: Portal, col: Column, aid: int, date: dt.date, k: int,
                        ext: str, h: int) -> str:
        return f"{self.column_dir(portal, col)}{date:%Y%m}/P0{date:%Y%m%d}{h % 10**8:08d}{aid % 1000:03d}{k}.{ext}"

    def pager(self, portal: Portal, col: Column, page: int, pages: int) -> str:
        return (
            '<div class="page"><script type="text/javascript">\n'
            f"{CREATE_PAGE_HTML_JS}\n"
            f'createPageHTML({pages}, {page}, "index", "html");\n'
            "</script></div>"
        )
