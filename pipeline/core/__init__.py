"""Core types and rules every other layer builds on: the document, the config, the stage
registry, the decision and the rendering of annotations. Imports nothing of the package above it."""
