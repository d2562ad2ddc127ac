"""`python -m defectkb` is the `kb` command."""

from defectkb.cli import main

raise SystemExit(main())
