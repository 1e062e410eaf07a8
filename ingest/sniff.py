"""Tell by content, not by extension, whether a file can be a recording.

FFmpeg picks a demuxer from the name when the content does not say: a text file named ``.gsm``
decodes as headerless GSM and would become a call of noise. So before decoding, the first
4 KiB are checked: a known audio signature passes at once; a known signature of something else
(PDF, images, archives, office documents, executables, HTML/XML) or text (UTF-8, UTF-16 with a
byte-order mark, or Windows-1251 that reads like words) is refused with what it is.
Unknown binary content is left to FFmpeg.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 4096
_TEXT_PRINTABLE_SHARE = 0.98  # text: at least this share of characters printable or whitespace
_CP1251_WORDLIKE_SHARE = 0.7  # 1251 text: letters, digits, spaces and common punctuation


@dataclass(frozen=True, slots=True)
class NotAudio:
    """What the file is instead of audio: ``kind_ru`` for the reason («не аудиофайл: текст»),
    ``kind_en`` for the rest of the message, ``preview`` its first words when it is text."""

    kind_ru: str
    kind_en: str
    preview: str = ""


# (offset, signature) → container families FFmpeg decodes as audio
_AUDIO_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"RIFF"), (0, b"RF64"), (0, b"BW64"),  # WAV (WAVE/RF64), incl. Asterisk WAV49
    (0, b"ID3"), (0, b"OggS"), (0, b"fLaC"), (0, b"#!AMR"), (0, b"FORM"), (0, b".snd"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),  # ASF (wma)
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
    (4, b"ftyp"),  # MP4 / M4A / 3GP
    (0, b"caff"), (0, b"MAC "), (0, b"wvpk"), (0, b"TTA1"),
)

# (offset, signature, kind_ru, kind_en)
_OTHER_MAGIC: tuple[tuple[int, bytes, str, str], ...] = (
    (0, b"%PDF", "PDF-документ", "a PDF document"),
    (0, b"\x89PNG\r\n\x1a\n", "изображение", "a PNG image"),
    (0, b"\xff\xd8\xff", "изображение", "a JPEG image"),
    (0, b"GIF87a", "изображение", "a GIF image"),
    (0, b"GIF89a", "изображение", "a GIF image"),
    (0, b"BM", "изображение", "a BMP image"),
    (0, b"II*\x00", "изображение", "a TIFF image"),
    (0, b"MM\x00*", "изображение", "a TIFF image"),
    (0, b"PK\x03\x04", "архив или документ Office", "a ZIP archive or an Office document"),
    (0, b"PK\x05\x06", "архив", "an empty ZIP archive"),
    (0, b"\x1f\x8b", "архив", "a gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "архив", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "архив", "a RAR archive"),
    (0, b"BZh", "архив", "a bzip2 archive"),
    (0, b"\xfd7zXZ\x00", "архив", "an xz archive"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "документ Office", "an old Office document"),
    (0, b"\x7fELF", "программа", "a program"),
    (0, b"MZ", "программа", "a Windows program"),
    (0, b"SQLite format 3\x00", "база данных", "an SQLite database"),
)


def sniff(path: str | Path) -> NotAudio | None:
    """What ``path`` is when its content is clearly not audio; None when it may be audio."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> NotAudio | None:
    if not head:
        return None
    # RIFF/FORM also wrap non-audio (AVI, WebP …); only their audio forms pass here
    if head.startswith(b"RIFF") and head[8:12] not in (b"WAVE", b""):
        return NotAudio("не звук", f"a RIFF file of type {head[8:12].decode('latin-1')!r}")
    if any(head[off:off + len(sig)] == sig for off, sig in _AUDIO_MAGIC):
        return None
    for off, sig, kind_ru, kind_en in _OTHER_MAGIC:
        if head[off:off + len(sig)] == sig:
            if sig == b"BM" and not _looks_like_bmp(head):
                continue
            if sig == b"MZ" and len(head) < 64:
                continue
            return NotAudio(kind_ru, kind_en)
    text = as_text(head)
    if text is None:
        return None
    return _text_kind(text)


def _looks_like_bmp(head: bytes) -> bool:
    # "BM" + size + 4 reserved zero bytes + pixel offset: rule out an MP3 frame that starts "BM"
    return len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00"


def as_text(head: bytes) -> str | None:
    """``head`` as text when it reads as UTF-8, UTF-16 (with BOM) or word-like Windows-1251
    text; None for binary content."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[2:len(head) - (len(head) % 2)].decode("utf-16", "replace")
        return text if _printable_share(text) >= _TEXT_PRINTABLE_SHARE else None
    if b"\x00" in head:
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    for cut in range(4):  # the window may split a multi-byte UTF-8 letter at its end
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return text if text.strip() and _printable_share(text) >= _TEXT_PRINTABLE_SHARE else None
    text = head.decode("cp1251", "replace")
    if not text.strip() or _printable_share(text) < _TEXT_PRINTABLE_SHARE:
        return None
    wordlike = sum(ch.isalnum() or ch.isspace() or ch in ".,;:!?-—'\"()«»/" for ch in text)
    return text if wordlike >= _CP1251_WORDLIKE_SHARE * len(text) else None


def _printable_share(text: str) -> float:
    if not text:
        return 0.0
    ok = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
    return ok / len(text)


def _text_kind(text: str) -> NotAudio:
    stripped = text.lstrip().lower()
    preview = " ".join(text.split())[:30]
    if stripped.startswith(("<!doctype html", "<html")) or "<html" in stripped[:500]:
        return NotAudio("HTML-страница", "an HTML page (perhaps an error page saved instead of the file)",
                        preview)
    if stripped.startswith("<?xml") or stripped.startswith("<"):
        return NotAudio("XML", "an XML file", preview)
    if stripped.startswith(("{", "[")):
        return NotAudio("JSON", "a JSON file", preview)
    return NotAudio("текст", "a text file", preview)
