"""An ``mscore`` command for the auto_convert_mm.sh tests: the real CLI glue of the pipeline with the fake engine."""
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2])]

from mscore.pipeline import run  # noqa: E402
from mscore.pipeline.__main__ import main  # noqa: E402
from tests.pipeline import pipeline_fake_engine as fake_engine  # noqa: E402

fake_engine.install(run)
argv = sys.argv[1:]
if argv[:1] == ["convert"]:
    argv = argv[1:]
raise SystemExit(main(argv))
