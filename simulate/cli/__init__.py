"""The command line: parse options, call the analysis, render, and map library errors to the
options that caused them."""
