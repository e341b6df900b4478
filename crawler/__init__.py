"""Scrapy side of nianbao: settings, spiders and middlewares that find annual reports on portals
and hand every exchange to :mod:`archive`."""
