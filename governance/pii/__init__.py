"""Chinese personal-data detection: checksums, Presidio recognizers, column classification, text masking.

Submodules import Presidio lazily where they can; ``checksums`` and ``classes`` never do.
"""
