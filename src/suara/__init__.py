"""Suara: an open election results system for Indonesia's C Hasil tally forms."""

__version__ = "0.1.0"
