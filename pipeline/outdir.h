/*
 * outdir: where a batch may write its results without being asked.
 *
 * A results folder belongs inside the batch's folder: the deepest folder
 * that holds the manifest and all its local inputs (manifests/demo.yaml
 * reading ../media/ -> the folder holding both), unless that is /, a system
 * folder, the home folder or above it, when it is the manifest's own
 * folder.  It is never a system folder (/etc, /usr, /bin, /sbin, /lib*,
 * /boot, /dev, /proc, /sys, /run, /var but /var/tmp) nor the home folder
 * itself.  Anything else takes --output-dir-ok.  Paths are compared after
 * following symbolic links, as far as the folders exist, so a link cannot
 * lead out unseen.
 */
#ifndef DUB_OUTDIR_H
#define DUB_OUTDIR_H

#include <stddef.h>

/* The batch's folder of a manifest in manifest_dir with these local input
 * paths (absolute or relative to the working folder); caller frees. */
char *outdir_tree(const char *manifest_dir, char *const *inputs, size_t n);

/* 0 when out may be written to without asking; else -1 with why in
 * why ("is a system folder"), to follow the folder's name. */
int outdir_check(const char *out, const char *tree, char *why, size_t len);

/* 1 with why ("is in a system folder (/etc)") when path (absolute, clean)
 * is /, in a system folder, the home folder or above it; else 0. */
int outdir_system(const char *path, char *why, size_t len);

#endif
