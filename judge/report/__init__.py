"""Reports: rich terminal tables (terminal.py) and the self-contained HTML report (html.py)."""
