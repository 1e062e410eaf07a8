"""The `callqa` command: click groups over the library (parse, call, render)."""
