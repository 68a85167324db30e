/* userdb.h - the user database a program's libc reads: /etc/passwd and
 * /etc/group in the tmpfs.  Every task runs as root (uid 0); the files
 * name root and nobody (nginx's default user when started by root). */
#pragma once

/* Adds /etc/passwd and /etc/group unless the image brought its own. */
void userdb_add_files(void);
