"""Where a sentence ends, for the detectors that need it (the quality signals use spaCy's
sentencizer and C4's own line rule, as datatrove does, and keep them in the quality stage)."""

from __future__ import annotations

import re

# Marks that finish a sentence ...
SENTENCE_PUNCT = ".!?…"
# ... and the closing quotes (straight or curly) or brackets that may follow them ('... year!"').
CLOSERS = "\"”’')]"
# A sentence's end inside a line: its mark and the space after it (closers not read). The spun
# stage cuts a line into sentences here to judge each tortured phrase in its own sentence.
SENTENCE_SPACE = re.compile(r"[.!?…]\s")
# A sentence's end and the space before the next, closers read: the keyphrase stage parses a long
# block a sentence at a time, cut where ``ends_sentence`` would say a sentence is finished.
SENTENCE_BREAK = re.compile(f"[{re.escape(SENTENCE_PUNCT)}][{re.escape(CLOSERS)}]*\\s+")
