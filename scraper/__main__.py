"""``python -m scraper`` runs the ``baohatinh`` command."""

from .cli import main

main()
