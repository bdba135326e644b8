"""tracker: an event-sourced timeline tracker for developing news stories."""

__version__ = "0.1.0"
