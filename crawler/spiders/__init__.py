"""Scrapy spiders (``scrapy list``): ``portal`` is the one nianbao runs."""
