"""Turns rollups and forms into what the public reads."""
