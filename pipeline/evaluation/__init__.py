"""Evaluation on development data only (``make eval``); needs the ``eval`` extra."""
