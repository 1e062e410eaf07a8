"""Streamlit entry in a checkout (``make demo``: ``streamlit run app.py``); the installed
product starts the same app with ``callqa ui``."""

from ui.app import main

main()
