"""Allow ``python -m search_app`` as well as ``search-app``."""

from search_app.cli import main

main(prog_name="search-app")
