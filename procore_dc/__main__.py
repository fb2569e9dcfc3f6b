"""Run the ``procore-dc`` command: ``python -m procore_dc``."""

from procore_dc.cli import main

raise SystemExit(main())
