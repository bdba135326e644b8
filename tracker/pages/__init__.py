"""Article pages: the full text behind a feed entry's link, fetched after the poll that saw it.

`policy` decides which entries want their page (pure); `extract` turns fetched HTML into text and
metadata (pure); `robots` keeps one robots.txt per host; `fetching` runs a pass over the pages
that are due. Their retry bookkeeping beside the log is `tracker.storage.page_store`.
"""
