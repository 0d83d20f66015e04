"""Use cases: each one transaction — validate -> store -> detect -> report."""
