# mm: rules added by this subsystem (included by the top Makefile).
