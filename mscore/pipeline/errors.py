"""The pipeline's one error type: a one-line message for the user (the CLI prints it and exits non-zero)."""


class PipelineError(Exception):
    """Bad input, an unreachable repository, a patch that does not apply, an edited output: one line, no traceback."""
