"""Post-passes: what runs over a whole file once its units are rewritten."""
