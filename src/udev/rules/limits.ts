/**
 * udev's fixed buffer sizes (src/shared/udev-util.h). Values longer than a buffer are cut or
 * refused, so these sizes are behaviour; all are byte counts including the terminating NUL.
 */

/** Names, property values, attribute values, modes, owners. */
export const UDEV_NAME_SIZE = 512;

/** Paths: attribute paths, symlink values, TEST and IMPORT{file} paths, tags. */
export const UDEV_PATH_SIZE = 1024;

/** Command lines (PROGRAM, IMPORT{program}, RUN) and a rules line. */
export const UDEV_LINE_SIZE = 16384;
