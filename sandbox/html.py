"""The page frame every portal shares: head with 发展指引 meta tags, header nav, footer.

Hand-written string templates rather than a template engine: the pages are small, the
sandbox may import nothing heavy, and every byte must be deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from sandbox.universe import Portal


@dataclass
class Nav:
    """Where a portal's common links point (family-specific URL shapes)."""

    home: str = "/"
    xxgk: str = "/"
    news: str = "/"
    policy: str = "/"
    extra: list[tuple[str, str]] = field(default_factory=list)


def meta_tags(values: dict[str, str | None]) -> str:
    """``<meta name=… content=…>`` lines for the 发展指引 tags that have a value."""
    return "\n".join(
        f'<meta name="{escape(k)}" content="{escape(v)}">' for k, v in values.items() if v is not None
    )


def page(portal: Portal, nav: Nav, title: str, main: str, *, head: str = "",
         mirror_link: str | None = None) -> str:
    """A full HTML document in the portal's look, declaring the portal's charset."""
    charset = "gb2312" if portal.encoding == "gbk" else "utf-8"
    links = [
        (nav.home, "首页"),
        (nav.news, "新闻中心"),
        (nav.xxgk, "政府信息公开"),
        (nav.policy, "政策文件"),
        ("/hdjl/index.html", "互动交流"),
        ("/rili/2021-01.html", "活动日历"),
        ("/search/?q=%E5%B9%B4%E6%8A%A5", "站内搜索"),
        *nav.extra,
    ]
    nav_html = "".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for h, t in links)
    friends = ""
    if mirror_link:
        friends = f'<div class="friends">友情链接：<a href="{escape(mirror_link)}">政务公开文库</a></div>'
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f"<title>{escape(title)}_{escape(portal.site_name)}</title>\n{head}\n</head>\n<body>\n"
        f'<div class="header"><h1><a href="/">{escape(portal.site_name)}</a></h1>'
        f'<ul class="nav">{nav_html}</ul></div>\n'
        f'<div class="main">\n{main}\n</div>\n{friends}\n'
        f'<div class="footer">主办单位：{escape(portal.site_name)}　'
        f"网站标识码：{escape(portal.site_id_code)}　"
        f"{escape(portal.region.province)}ICP备{int(portal.site_id_code) % 100000:05d}号</div>\n"
        "</body>\n</html>\n"
    )


def link_list(items: Sequence[tuple[str, str, str | None]], css: str = "list") -> str:
    """``<ul>`` of (href, title, date-or-None) items, the way CMS lists print them."""
    rows = []
    for href, title, date in items:
        span = f"<span>{escape(date)}</span>" if date else ""
        rows.append(f'<li><a href="{escape(href)}" target="_blank" title="{escape(title)}">{escape(title)}</a>{span}</li>')
    return f'<ul class="{css}">\n' + "\n".join(rows) + "\n</ul>"
