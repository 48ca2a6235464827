"""Files: the one atomic-write and staged-folder helper, temporaries, and NetCDF."""
