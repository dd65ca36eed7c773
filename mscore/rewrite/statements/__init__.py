"""Statement-level rewrites the locator asks for (training step, module -> cell, dropped decorators)."""
