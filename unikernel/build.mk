# unikernel: rules added by this subsystem (included by the top Makefile).
include unikernel/elf.mk
