from mscore.cli import main

raise SystemExit(main())
