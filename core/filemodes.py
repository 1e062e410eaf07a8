"""Who may read what callqa writes (issue 14, row 14).

The database (with its WAL and lock files), backups, exports and config written by callqa hold
call transcripts and password hashes: they are created ``0600`` (owner only). Where a second
account must read them -- e.g. a backup job running as another user of the same group -- set
``CALLQA_GROUP_READABLE=1`` in the units' environment: files are then ``0640`` and folders
``0750``, readable by the group of the ``callqa`` user (``callqa`` in ``deploy/``), never by
others. The rule is a process umask, set once at the CLI edge, so every file any stage writes
follows it, and files from older versions are narrowed when the command starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
GROUP_UMASK = 0o027
GROUP_ENV = "CALLQA_GROUP_READABLE"


def umask_for(environ: dict | os._Environ = os.environ) -> int:
    return GROUP_UMASK if environ.get(GROUP_ENV, "").strip() in {"1", "true", "yes"} else PRIVATE_UMASK


def apply_umask() -> int:
    """Set this process's umask to callqa's rule; returns the umask in force before."""
    return os.umask(umask_for())


def narrow(*paths: str | os.PathLike | None) -> None:
    """Take away permissions the umask forbids from existing files (older installs wrote
    the database 0644). Missing paths and files of other users are left alone."""
    mask = umask_for()
    for path in paths:
        if not path:
            continue
        p = Path(path)
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
            if mode & mask:
                p.chmod(mode & ~mask)
        except OSError:
            continue
