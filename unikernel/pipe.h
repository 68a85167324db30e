/*
 * unikernel/pipe.h - pipes: a 4 KiB ring between a read end and a write
 * end, each a struct file.  Reads block while the ring is empty and a
 * writer remains (then 0: end of file); writes block while it is full and
 * a reader remains, and write everything they are given; with no reader
 * left a write fails with -EPIPE (no SIGPIPE is delivered).
 */
#ifndef UNIKERNEL_PIPE_H
#define UNIKERNEL_PIPE_H

struct file;

/* A new pipe: *rd and *wr its two ends (one reference each).  0 or
 * -ENOMEM (nothing left behind). */
int pipe_create(struct file **rd, struct file **wr);

#endif
