"""Errors raised by callqa.

    CallQAError                 base; message says what was wrong and what to do
    ├── ConfigError             callqa.toml / env / flags cannot be used
    ├── BadAudioError           a recording cannot be decoded or is not usable audio
    ├── FileChangingError       a recording changed while it was read (still being written)
    ├── ModelNotFoundError      the ASR model is not installed / cannot be resolved offline
    ├── TranscriptFormatError   an imported transcript file is malformed
    ├── RubricError             a rubric / objection catalogue file is invalid
    ├── StoreError              the DuckDB file cannot be created, opened or written
    │   └── StoreBusyError      the DuckDB file stayed locked past the timeout
    ├── RunLockedError          another batch run holds the run lock
    ├── AccessDeniedError       the user's role does not allow the action
    └── SignInThrottledError    too many failed sign-ins: wait ``wait_s`` seconds

Raise deep, render at one edge: the CLI prints the message and exits non-zero, the UI
shows ``st.error``, the batch records an error row and goes on.

``ENVIRONMENT_ERRORS`` are faults of the machine or the setup, not of one recording (the
configuration, the model, the database or its disk): the batch stops on them with exit 1
instead of failing every file in turn, and no file's retry count is used up.
"""


class CallQAError(Exception):
    """Base class of all callqa errors."""


class ConfigError(CallQAError):
    pass


class BadAudioError(CallQAError):
    pass


class FileChangingError(CallQAError):
    """The recording's size or modification time changed between discovery and decoding:
    the PBX is still writing it. The batch skips it (no failure, no attempt used) and a later
    run picks it up once it is stable."""


class ModelNotFoundError(CallQAError):
    pass


class TranscriptFormatError(CallQAError):
    pass


class RubricError(CallQAError):
    pass


class StoreError(CallQAError):
    pass


class StoreBusyError(StoreError):
    pass


class RunLockedError(CallQAError):
    pass


class AccessDeniedError(CallQAError):
    pass


class SignInThrottledError(CallQAError):
    def __init__(self, message: str, wait_s: float) -> None:
        super().__init__(message)
        self.wait_s = wait_s


ENVIRONMENT_ERRORS: tuple[type[CallQAError], ...] = (ConfigError, ModelNotFoundError, StoreError)
