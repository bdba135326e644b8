"""Editing the feed list: feeds.toml edited in place, OPML read and written.

naming.py    feed ids derived from URLs, tags cleaned and selected; pure
opml.py      OPML 1.0/2.0 → feeds, feeds → OPML 2.0; pure (defusedxml, no entities, no network)
feedsfile.py feeds.toml text edited line by line: comments and order kept; pure
manage.py    the operations behind `tracker feeds add|remove|import|export`: read, edit,
             validate as loading does, write atomically
"""
