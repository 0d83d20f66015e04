"""Domain types: agreement and rules, notices, protected assets, conflicts."""
