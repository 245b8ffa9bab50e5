"""Pure election logic: no I/O, no framework."""
