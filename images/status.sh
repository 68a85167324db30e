#!/usr/bin/env bash
# status.sh STATUS - says in words what an exit status of images/qemu.sh
# (and so of `make run`) means; the codes are abi/kernel_exit.h.
case ${1:?status} in
    0)           echo "clean shutdown: the application returned 0" ;;
    [1-9]|[1-9][0-9]|100)
                 echo "the application exited with status $1 (100: 100 or more)" ;;
    101)         echo "kernel panic (exception report, failed assert): see the log above" ;;
    102)         echo "unsupported CPU (no long mode or no NX)" ;;
    103)         echo "QEMU stopped without a kernel status (triple fault, reset or Ctrl-A X)" ;;
    104)         echo "QEMU itself failed (bad option, missing firmware or image)" ;;
    105)         echo "the application was killed (fault in ring 3 or fatal signal): see the log above" ;;
    106)         echo "the embedded application ELF was refused at boot" ;;
    107)         echo "the application could not be started (no memory, bad file archive)" ;;
    124)         echo "timeout: no exit status in time" ;;
    *)           echo "unknown status" ;;
esac
