/* embed.S - the application's ELF (EMBED_APP), its name (EMBED_NAME) and
 * the optional cpio archive (EMBED_FILES) as read-only data of the kernel
 * (see embed.h; the paths come from unikernel/task.mk). */
    .section .rodata.embed, "a"
    .balign 4096
    .globl embed_app_start, embed_app_end
embed_app_start:
    .incbin EMBED_APP
embed_app_end:
    .balign 16
    .globl embed_files_start, embed_files_end
embed_files_start:
#ifdef EMBED_FILES
    .incbin EMBED_FILES
#endif
embed_files_end:
    /* 1 when FILES= was given: then an empty archive is an error */
    .globl embed_files_given
embed_files_given:
#ifdef EMBED_FILES
    .byte 1
#else
    .byte 0
#endif
    .globl embed_app_name
embed_app_name:
    .asciz EMBED_NAME

    .section .note.GNU-stack, "", @progbits
