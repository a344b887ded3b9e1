"""The application's use cases: plain arguments in, plain results out, no messenger imports."""
