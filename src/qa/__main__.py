"""``python -m qa`` runs the command line."""

from qa.cli.main import main

raise SystemExit(main())
