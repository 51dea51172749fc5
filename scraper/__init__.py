"""baohatinh-archive: crawl, parse and archive Báo Hà Tĩnh articles.

``scraper`` gets pages and turns them into records; ``storage`` keeps them.
"""

__version__ = "0.1.0"
