"""``python -m simulator``: the command line."""

from simulator.launch import main

raise SystemExit(main())
