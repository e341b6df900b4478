"""WARC 1.1 archive of everything fetched: writing, reading, dedup, CDXJ, WACZ, verify, replay.

Uses warcio; knows nothing of reports or of Scrapy.
"""
