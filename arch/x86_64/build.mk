# arch/x86_64: rules added by this subsystem (included by the top Makefile).
