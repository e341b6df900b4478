"""Hanweb JCMS-like portals: ``/art/YYYY/M/D/art_<col>_<id>.html`` articles; body lists at
``/col/col<id>/index.html`` are empty shells filled by script from
``/module/web/jpage/dataproxy.jsp`` (XML ``<datastore><recordset><record><![CDATA[<li>…``),
attachments through ``/module/download/downfile.jsp?classid=0&filename=<hash>.<ext>``, and a
per-agency annual-report view ``/module/xxgk/xxgkAnnualReport.jsp?area=<code>&fbtime=<year>``
where ``fbtime`` is the year of publication, not the report year (as on real portals)."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import parse_qs

from sandbox.portals.base import Family, ListItem, ListRequest
from sandbox.universe import Column, Portal

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
ANNUAL_VIEW = "/module/xxgk/xxgkAnnualReport.jsp"

LOADER_JS = """(function(){
  var box = document.getElementById("%(box)s");
  var perpage = %(perpage)d;
  function load(start){
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "%(proxy)s?startrecord=" + start + "&endrecord=" + (start + perpage * 3 - 1) +
             "&perpage=" + perpage + "&columnid=%(col)d&unitid=%(unit)d&webid=1&appid=1", false);
    xhr.send(null);
    var doc = xhr.responseXML;
    var recs = doc.getElementsByTagName("record");
    var html = "";
    for (var i = 0; i < recs.length; i++) { html += recs[i].textContent; }
    box.innerHTML += html;
    var total = parseInt(doc.getElementsByTagName("totalrecord")[0].textContent, 10);
    if (start + perpage * 3 <= total) { load(start + perpage * 3); }
  }
  load(1);
})();"""


class Hanweb(Family):
    name = "hanweb"
    article_base = 7_000_000
    dated_urls = True

    def xxgk_path(self, portal: Portal) -> str:
        return f"/col/col9{portal.nb_column.id}/index.html"

    def column_path(self, portal: Portal, col: Column, page: int = 0) -> str:
        return f"/col/col{col.id}/index.html"

    def article_path(self, portal: Portal, col: Column, aid: int, date: dt.date, page: int) -> str:
        return f"/art/{date.year}/{date.month}/{date.day}/art_{col.id}_{aid}.html"

    def attachment_path(self, portal: Portal, col: Column, aid: int, date: dt.date, k: int,
                        ext: str, h: int) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={h:016x}.{ext}"

    def render_list(self, portal: Portal, req: ListRequest, items: list[ListItem]) -> str | None:
        if req.column.kind != "body":
            return super().render_list(portal, ListRequest(req.column, 0, req.query), items)
        box = f"col{req.column.id}_list"
        js = LOADER_JS % {"box": box, "perpage": 15, "proxy": DATAPROXY, "col": req.column.id,
                          "unit": req.column.id * 3 + 1}
        return (f'<ul class="list" id="{box}"></ul>\n'
                f'<script type="text/javascript">\n{js}\n</script>')

    def pager(self, portal: Portal, col: Column, page: int, pages: int) -> str:
        return ""  # non-body lists on these portals show everything on one page

    def dataproxy(self, items: list[ListItem], query: dict[str, list[str]]) -> bytes:
        """The XML the list script reads: records ``startrecord..endrecord`` (1-based)."""
        def num(name: str, default: int) -> int:
            try:
                return int(query.get(name, [str(default)])[0])
            except ValueError:
                return default
        start, end = max(1, num("startrecord", 1)), num("endrecord", 45)
        perpage = max(1, num("perpage", 15))
        chosen = items[start - 1:max(start - 1, end)]
        records = "".join(
            "<record><![CDATA[<li><a href=\"{}\" target=\"_blank\" title=\"{}\">{}</a>{}</li>]]></record>".format(escape(i.href), escape(i.title), escape(i.title), f"<span>{i.date}</span>" if i.date else "")
            for i in chosen)
        pages = max(1, -(-len(items) // perpage))
        xml = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]></nextgroup>'
               f"<totalrecord>{len(items)}</totalrecord><totalpage>{pages}</totalpage>"
               f"<recordset>{records}</recordset></datastore>")
        return xml.encode("utf-8")

    def special(self, site: object, portal: Portal, path: str, query: str) -> object | None:
        from sandbox.site import Response, View

        assert isinstance(site, View)
        q = parse_qs(query)
        if path == DATAPROXY:
            try:
                col = portal.columns[int(q.get("columnid", [""])[0])]
            except (ValueError, KeyError):
                return Response(200, b'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>0</totalrecord><recordset></recordset></datastore>', "text/xml; charset=UTF-8")
            body = self.dataproxy(site.list_items(portal, col), q)
            return Response(200, body, "text/xml; charset=UTF-8")
        if path == ANNUAL_VIEW:
            return site.annual_view(portal, q.get("area", [""])[0], q.get("fbtime", [""])[0])
        if path == self.xxgk_path(portal):
            return site.xxgk_page(portal)
        return None
