"""Text primitives: what a word is and where a sentence ends, each defined once for its purpose.

The lowest layer: plain patterns and helpers over strings, importing nothing of the package.
"""
