"""Reading and writing: input discovery and formats, bytes to text, the output tables and
atomic writers."""
