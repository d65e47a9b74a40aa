"""Which files may be evidence: an allow-list by extension, confirmed by the content's first bytes.

A file is accepted only when its extension is on the list *and* its content looks like that type. Content
that a browser or an operating system would run (executables, scripts, HTML, SVG) is refused whatever its
name, so a stored file can never become an active page or program when downloaded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

SNIFF_BYTES = 8192
MAX_NAME_LENGTH = 255

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Content refused whatever the file is called: programs and anything a browser would render as a page.
_EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java class file"),
    (b"\x00asm", "a WebAssembly module"),
    (b"#!", "a script"),
)
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta|\?php)\b|<%|javascript:",
    re.IGNORECASE,
)


class UnsupportedFileType(ValidationError):
    """The file's type is not on the allow-list, or its content does not match its name (HTTP 415)."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    # The head may end inside a multi-byte character: drop up to three trailing bytes before giving up.
    for cut in range(4):
        try:
            (head[: len(head) - cut] if cut else head).decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(prefixes)


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


@dataclass(frozen=True)
class FileType:
    """One accepted type: its extensions, the content type it is served with, and how to recognise it."""

    label: str
    extensions: tuple[str, ...]
    content_type: str
    matches: Callable[[bytes], bool]
    text: bool = False


ALLOWED_TYPES: tuple[FileType, ...] = (
    FileType("PDF document", ("pdf",), "application/pdf", _starts(b"%PDF-")),
    FileType(
        "Word document",
        ("docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _starts(_ZIP),
    ),
    FileType(
        "Excel workbook", ("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _starts(_ZIP)
    ),
    FileType(
        "PowerPoint presentation",
        ("pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _starts(_ZIP),
    ),
    FileType("OpenDocument text", ("odt",), "application/vnd.oasis.opendocument.text", _starts(_ZIP)),
    FileType("OpenDocument spreadsheet", ("ods",), "application/vnd.oasis.opendocument.spreadsheet", _starts(_ZIP)),
    FileType("OpenDocument presentation", ("odp",), "application/vnd.oasis.opendocument.presentation", _starts(_ZIP)),
    FileType("Word 97-2003 document", ("doc",), "application/msword", _starts(_OLE)),
    FileType("Excel 97-2003 workbook", ("xls",), "application/vnd.ms-excel", _starts(_OLE)),
    FileType("PowerPoint 97-2003 presentation", ("ppt",), "application/vnd.ms-powerpoint", _starts(_OLE)),
    FileType("PNG image", ("png",), "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    FileType("JPEG image", ("jpg", "jpeg"), "image/jpeg", _starts(b"\xff\xd8\xff")),
    FileType("GIF image", ("gif",), "image/gif", _starts(b"GIF87a", b"GIF89a")),
    FileType("WebP image", ("webp",), "image/webp", _webp),
    FileType("Parquet data", ("parquet",), "application/vnd.apache.parquet", _starts(b"PAR1")),
    FileType("plain text", ("txt", "log"), "text/plain", _is_text, text=True),
    FileType("Markdown", ("md",), "text/markdown", _is_text, text=True),
    FileType("CSV data", ("csv",), "text/csv", _is_text, text=True),
    FileType("TSV data", ("tsv",), "text/tab-separated-values", _is_text, text=True),
    FileType("JSON data", ("json",), "application/json", _is_text, text=True),
    FileType("YAML data", ("yaml", "yml"), "application/yaml", _is_text, text=True),
    FileType("XML data", ("xml",), "application/xml", _is_text, text=True),
)
_BY_EXTENSION = {ext: t for t in ALLOWED_TYPES for ext in t.extensions}
ALLOWED_EXTENSIONS = tuple(sorted(_BY_EXTENSION))


def display_name(name: str | None) -> str:
    """The user's file name made safe to show and to offer as a download name (never used as a path).

    Keeps the last path component, drops control and format characters, and shortens it to 255 characters
    keeping the extension.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    name = name or "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        keep = ext[:20] if dot else ""
        name = (stem if dot else name)[: MAX_NAME_LENGTH - len(keep) - 1] + (f".{keep}" if keep else "")
    return name


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def identify(name: str, head: bytes) -> FileType:
    """The accepted type of a file called ``name`` whose content starts with ``head``.

    Raises :class:`UnsupportedFileType` with a message naming the problem and the accepted extensions.
    """
    for magic, what in _EXECUTABLE_MAGIC:
        if head.startswith(magic):
            raise UnsupportedFileType(f"The file is {what}; programs and scripts are never accepted as evidence.")
    ext = extension_of(name)
    allowed = ", ".join(ALLOWED_EXTENSIONS)
    if not ext:
        raise UnsupportedFileType(f"The file name {name!r} has no extension. Accepted: {allowed}.")
    file_type = _BY_EXTENSION.get(ext)
    if file_type is None:
        raise UnsupportedFileType(f"Files of type .{ext} are not accepted. Accepted: {allowed}.")
    if not file_type.matches(head):
        raise UnsupportedFileType(f"The content is not a {file_type.label}, although the name ends in .{ext}.")
    if file_type.text and _ACTIVE_MARKUP.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048]):
        raise UnsupportedFileType("The content looks like HTML, SVG or script, which is never accepted as evidence.")
    return file_type
