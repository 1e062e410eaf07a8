"""The script Streamlit runs for ``callqa ui`` (package data of the installed product)."""

from ui.app import main

main()
