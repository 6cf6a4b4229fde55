"""Chinese personal-data detection: checksums, Presidio recognizers, column classification, text masking.

Submodules import Presidio lazily where they can; ``patterns``, ``checksums`` and ``classes`` never do.
"""
