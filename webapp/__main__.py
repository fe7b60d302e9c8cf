"""``python -m webapp``: serve the web app on 127.0.0.1:8000."""

from webapp.app import main

main()
