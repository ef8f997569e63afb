"""HTML laid out as PDF by WeasyPrint, opening only local files: ``write_pdf`` in this
process, or ``python -m tracker.pdf STATIC_FOLDER`` (HTML on stdin, PDF on stdout) as a
process of its own, which is how the board pack runs it (``tracker.board_pack.render_pdf``):
a large pack's seconds of layout then do not hold the interpreter that a web worker's
other requests share.

Nothing here fetches from the network: ``LocalFiles`` opens the static folder's files and
``data:`` URLs (drawings a page carries) and refuses anything else.
"""
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class LocalFiles(URLFetcher):
    """Opens the files under ``root`` and ``data:`` URLs, nothing else: no http(s), no file
    outside the folder."""

    def __init__(self, root):
        super().__init__(allowed_protocols={"file", "data"})
        self.root = Path(os.path.normpath(root))

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        # normpath folds "..", so no path climbs out of the folder.
        path = Path(os.path.normpath(unquote(parts.path))) if parts.scheme == "file" else None
        if path is None or not path.is_relative_to(self.root):
            raise ValueError(f"Only the app's own files are opened, not {url}")
        return super().fetch(url, headers)


def write_pdf(html, static_folder):
    """``html`` laid out as PDF bytes; relative links resolve in ``static_folder``, the only
    files it may open."""
    return HTML(string=html, base_url=Path(static_folder).as_uri() + "/",
                url_fetcher=LocalFiles(static_folder)).write_pdf()


def main():
    html = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(write_pdf(html, sys.argv[1]))


if __name__ == "__main__":
    main()
