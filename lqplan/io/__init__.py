"""Files in and out, for every phase: located YAML reading, atomic writes, bundled resources.

Nothing here knows what a show is; the phases build on it.
"""
