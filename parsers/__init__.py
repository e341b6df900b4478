"""From the bytes of one document to a structured annual report. Pure functions: no Scrapy,
no WARC, no SQLite."""
