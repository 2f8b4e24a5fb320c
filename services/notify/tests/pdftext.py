"""The kernel's PDF reader for tests (:mod:`kernel.pdftext`), under notify's old name."""
from kernel.pdftext import fonts, pages, text  # noqa: F401
